import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, workerConfig } from '@gridllm/config';
import {
  JobKind,
  OllamaChunk,
  RESUMED_FIELD,
  StreamErrorData,
  StreamEvent,
  StreamEventType,
  isTerminalEvent,
} from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { TakenJob } from '@gridllm/scheduler';
import { ResponseAccumulator, StreamOwnership, decodeEntry, decodeEvent } from '@gridllm/streaming';

import { AbortReason } from './abort-reason';

/** How a taken job may go on: run it (holding `fence`), or only record the outcome an earlier run streamed. */
export type RunEntry =
  | { kind: 'run'; fence: string; cancelled: boolean; startedStored: boolean }
  | { kind: 'completed'; response: OllamaChunk; workerId: string }
  | { kind: 'failed'; error: string };

type StreamEntry = [string, string[]];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Decides, before a taken job touches the engine, whether this worker may run it (exactly once):
 * never when its stream already ended (an earlier run answered; only its outcome is recorded), and not
 * while an earlier run still owns it on a live worker (its lock lapsed, but it runs): then this worker
 * keeps the job's lock and waits for that run to end or its worker to die, instead of running it twice.
 */
@Injectable()
export class RunGuard {
  private readonly logger = new Logger(RunGuard.name);

  constructor(
    private readonly client: RedisClient,
    private readonly ownership: StreamOwnership,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  /**
   * Resolves once the job may run here or is known finished; rejects only on a hand-back (shutdown). No round
   * trip in the common case when the take entered the run already (TakenJob.entry), one otherwise: the stream
   * has not ended and nobody holds the job (see StreamOwnership.enter).
   */
  async enter(taken: TakenJob, signal: AbortSignal): Promise<RunEntry> {
    const { id: jobId, kind, deadlineAt } = taken.job.data;
    const fence = taken.entry?.fence ?? this.ownership.newFence(this.worker.workerId);
    let entered = taken.entry;
    let waited = false;
    let takeOver = '';
    for (;;) {
      const state = entered?.state ?? (await this.ownership.enter(jobId, fence, takeOver));
      const startedStored = entered?.startedStored ?? false;
      entered = undefined;
      takeOver = '';
      if (state.kind === 'claimed') return { kind: 'run', fence, cancelled: state.cancelled, startedStored };
      if (state.kind === 'ended') {
        const ended = await this.endedRun(jobId, kind);
        if (ended) return ended;
        continue; // the ended stream expired meanwhile: nothing was answered that we know of
      }
      // A run past its deadline plus a lock is not a run anyone waits for any more.
      const overdue = Date.now() > deadlineAt + this.queue.lockDurationMs;
      if (overdue || !(await this.workerAlive(StreamOwnership.workerOf(state.holder)))) {
        takeOver = state.holder;
        continue;
      }
      if (!waited) {
        this.logger.warn(
          `job ${jobId}: still running as ${state.holder}; waiting for that run instead of a second one`,
        );
        waited = true;
      }
      if (signal.aborted && signal.reason === AbortReason.HandBack)
        throw new Error('handed back while waiting');
      await sleep(Math.max(50, Math.floor(this.queue.lockDurationMs / 4)));
    }
  }

  /** The outcome of an earlier run whose stream has ended, or null while none has. */
  private async endedRun(jobId: string, kind: JobKind): Promise<RunEntry | null> {
    const key = this.client.keys.jobStream(jobId);
    const [last] = (await this.client.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    const event = last ? decodeEvent(last[0], last[1]) : null;
    if (!event || !isTerminalEvent(event)) return null;
    this.logger.warn(`job ${jobId}: an earlier run already ended its stream; recording that outcome`);
    if (event.type === StreamEventType.Error)
      return { kind: 'failed', error: (JSON.parse(event.data) as StreamErrorData).error };
    return this.replay(key, kind, event);
  }

  /**
   * Rebuilds the merged answer from the ended attempt's events (what the stream still holds of it), and
   * from the earlier attempts' too when that attempt continued them (its final line says so).
   */
  private async replay(key: string, kind: JobKind, final: StreamEvent): Promise<RunEntry> {
    const resumed = RESUMED_FIELD in (JSON.parse(final.data) as OllamaChunk);
    const from = resumed ? '-' : String(final.attempt);
    const entries = (await this.client.redis.xrange(key, from, String(final.attempt))) as StreamEntry[];
    const accumulator = new ResponseAccumulator(kind);
    let workerId = '';
    for (const event of entries.flatMap(([id, fields]) => decodeEntry(id, fields))) {
      if (event.type === StreamEventType.Started) workerId = event.data;
      else accumulator.add(JSON.parse(event.data) as OllamaChunk);
    }
    return { kind: 'completed', response: accumulator.result(), workerId };
  }

  private async workerAlive(workerId: string): Promise<boolean> {
    return (await this.client.redis.exists(this.client.keys.worker(workerId))) === 1;
  }
}
