import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';
import { GridError, StreamErrorData } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { JobPayloadSeal, JobSource, TakenJob } from '@gridllm/scheduler';
import { JobStreamAppender, ResponseAccumulator, TokenStreamWriter } from '@gridllm/streaming';

import { DecodeSpeed } from '../capabilities/decode-speed';
import { EngineError } from '../engines/inference-engine';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { AbortReason } from './abort-reason';
import { JobHandlers } from './job-handlers';
import { JobAccount, OwnerAccounting } from './owner-accounting';

/** Runs one taken job on the engine and relays every chunk to the job's token stream. Decides nothing else. */
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
]);

/** The engine could not be reached (refused, reset, unreachable) before it answered. */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_FAILURES.has(code);
}

@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);
  private readonly controllers = new Map<string, AbortController>();

  constructor(
    private readonly handlers: JobHandlers,
    private readonly speed: DecodeSpeed,
    private readonly source: JobSource,
    private readonly streams: TokenStreamWriter,
    private readonly client: RedisClient,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
    private readonly metrics: WorkerMetrics,
    private readonly accounting: OwnerAccounting,
    private readonly payloads: JobPayloadSeal,
  ) {}

  /** Aborts a running job; no-op when it does not run here. */
  abort(jobId: string, reason: AbortReason): void {
    this.controllers.get(jobId)?.abort(reason);
  }

  async run(taken: TakenJob): Promise<void> {
    const { data } = taken.job;
    const controller = new AbortController();
    this.controllers.set(data.id, controller);
    const appender = this.streams.open(data.id, Math.max(1, taken.job.attemptsStarted));
    const measurement = this.metrics.startJob(taken.model);
    const account = this.accounting.open(data);
    const deadline = setTimeout(
      () => controller.abort(AbortReason.Deadline),
      Math.max(0, data.deadlineAt - Date.now()),
    );
    try {
      if ((await this.isCancelled(data.id)) || (await this.ownerGone(data.ownerGatewayId))) {
        controller.abort(AbortReason.Cancelled);
      }
      await this.execute(taken, appender, account, controller.signal);
      measurement.completed();
    } catch (error) {
      measurement.failed(controller.signal.reason);
      await this.settleFailure(taken, appender, account, error, controller.signal.reason);
    } finally {
      clearTimeout(deadline);
      this.controllers.delete(data.id);
      await appender.expire(data.retainSeconds).catch(() => undefined);
    }
  }

  private async execute(
    taken: TakenJob,
    appender: JobStreamAppender,
    account: JobAccount,
    signal: AbortSignal,
  ): Promise<void> {
    const { data } = taken.job;
    signal.throwIfAborted();
    appender.started(this.settings.workerId);
    const accumulator = new ResponseAccumulator(data.kind);
    let finished = false;
    const request = this.payloads.open(data);
    for await (const { raw, chunk, final } of this.handlers.for(data.kind)(request, signal)) {
      accumulator.add(chunk);
      account.observe(chunk, final);
      if (final) {
        this.metrics.generated(taken.model, chunk.eval_count);
        this.speed.record(chunk.eval_count, chunk.eval_duration);
        await appender.final(raw);
        finished = true;
        break;
      }
      appender.chunk(raw);
    }
    await appender.flush();
    signal.throwIfAborted();
    if (!finished) throw new EngineError('engine closed the stream without a final chunk', 502);
    // Usage and the owner's slot are settled once the client has its final event, alongside completion.
    await Promise.all([
      this.source.complete(taken, { workerId: this.settings.workerId, response: accumulator.result() }),
      account.settle(),
    ]);
    this.logger.log(`job ${data.id}: completed`);
  }

  private async settleFailure(
    taken: TakenJob,
    appender: JobStreamAppender,
    account: JobAccount,
    error: unknown,
    reason: unknown,
  ): Promise<void> {
    const jobId = taken.job.data.id;
    try {
      if (reason === AbortReason.LockLost) {
        this.logger.warn(`job ${jobId}: lock lost, leaving it to its new owner`);
        return;
      }
      if (reason === AbortReason.HandBack && !appender.hasEmitted) {
        await this.source.handBack(taken);
        this.logger.log(`job ${jobId}: handed back to the queue`);
        return;
      }
      if (reason === undefined && isConnectionFailure(error) && !appender.hasEmitted) {
        // The engine is unreachable, not the request bad: another worker can serve it. Stop taking jobs
        // (circuit open) until the heartbeat's next engine probe succeeds and restores the models.
        await this.source.setModels([]);
        await this.source.handBack(taken);
        this.logger.warn(
          `job ${jobId}: engine unreachable (${(error as Error).message}); handed back, taking no jobs until it answers`,
        );
        return;
      }
      const failure = this.describe(error, reason);
      await appender.error(failure);
      // The job ends here (also when the client aborted it): its owner pays for what was generated.
      await Promise.all([this.source.fail(taken, failure.error), account.settle()]);
      this.logger.log(`job ${jobId}: failed (${failure.status}) ${failure.error}`);
    } catch (settleError) {
      this.logger.warn(`job ${jobId}: could not record the failure: ${(settleError as Error).message}`);
    }
  }

  private describe(error: unknown, reason: unknown): StreamErrorData {
    switch (reason) {
      case AbortReason.Cancelled:
        return { error: 'request canceled', status: 499 };
      case AbortReason.Deadline:
        return { error: `job exceeded its deadline (DEFAULT_JOB_TIMEOUT)`, status: 504 };
      case AbortReason.HandBack:
        return { error: `worker ${this.settings.workerId} shut down mid-stream`, status: 503 };
    }
    if (error instanceof EngineError || error instanceof GridError)
      return { error: error.message, status: error.status };
    return { error: `worker ${this.settings.workerId}: ${(error as Error).message}`, status: 502 };
  }

  /** The gateway that waits for this job is gone (crashed or restarted): nobody will read the answer. */
  private async ownerGone(ownerGatewayId: string | undefined): Promise<boolean> {
    if (!ownerGatewayId) return false;
    return (await this.client.redis.exists(this.client.keys.gateway(ownerGatewayId))) === 0;
  }

  private async isCancelled(jobId: string): Promise<boolean> {
    return (await this.client.redis.exists(this.client.keys.jobCancel(jobId))) === 1;
  }
}
