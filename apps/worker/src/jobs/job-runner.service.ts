import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { appConfig, queueConfig, redisConfig, workerConfig } from '@gridllm/config';
import {
  GridError,
  InferenceJobData,
  JobFailedError,
  JobKind,
  OllamaChunk,
  StreamErrorData,
} from '@gridllm/contracts';
import { LogIds, withLogIds } from '@gridllm/logging';
import { RedisClient } from '@gridllm/redis';
import { GatewayPresence, JobPayloadSeal, JobSource, TakenJob } from '@gridllm/scheduler';
import {
  JobStreamAppender,
  MERGED_ANSWER_HOLD_MS,
  ResponseAccumulator,
  StreamFencedError,
  StreamOwnership,
  TokenStreamWriter,
} from '@gridllm/streaming';

import { DecodeSpeed } from '../capabilities/decode-speed';
import { LoadedModelsPublisher } from '../capabilities/loaded-models.publisher';
import { JobHealth } from '../deep-health/job-health';
import { EngineJobIds } from '../engines/engine-job-ids';
import { EngineError } from '../engines/inference-engine';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { AbortReason } from './abort-reason';
import { infoLinesOn } from './info-lines';
import { JobContinuations } from './continuation/job-continuations';
import { JobHandlers } from './job-handlers';
import { jobLogIds } from './job-log-ids';
import { OwnedRuns } from './owned-runs';
import { JobAccount, OwnerAccounting } from './owner-accounting';
import { RecentPresence } from './recent-presence';
import { RunEntry, RunGuard } from './run-guard';
import { StallWatch } from './stall-watch';

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

/** A run's merged answer, and the outcome of its completion when that rode with the final line. */
interface Answer {
  response: OllamaChunk;
  recorded?: Promise<void>;
}

@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);
  /** Per job id: one run, or two while a second take waits for the first (see RunGuard). */
  private readonly controllers = new Map<string, Set<AbortController>>();
  /** The runs that own their job's stream here, renewed with the locks. */
  private readonly owned = new OwnedRuns();
  /** Jobs whose BullMQ lock went to another worker while they ran here: that worker records the outcome. */
  private readonly lockMoved = new Set<string>();
  /** Gateways whose presence was read lately (see ownerGone). */
  private readonly gateways: RecentPresence;
  /** How long a gateway's presence key lives after its last refresh. */
  private readonly presenceTtlMs: number;
  private readonly infoLines: boolean;

  constructor(
    private readonly handlers: JobHandlers,
    private readonly speed: DecodeSpeed,
    private readonly source: JobSource,
    private readonly streams: TokenStreamWriter,
    private readonly ownership: StreamOwnership,
    private readonly guard: RunGuard,
    private readonly client: RedisClient,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
    private readonly metrics: WorkerMetrics,
    private readonly accounting: OwnerAccounting,
    private readonly payloads: JobPayloadSeal,
    private readonly continuations: JobContinuations,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
    private readonly loadedModels: LoadedModelsPublisher,
    private readonly health: JobHealth,
    @Inject(queueConfig.KEY) queue: ConfigType<typeof queueConfig>,
    @Inject(appConfig.KEY) app: ConfigType<typeof appConfig>,
  ) {
    this.gateways = new RecentPresence(queue.heartbeatIntervalMs);
    this.presenceTtlMs = GatewayPresence.ttlMs(queue.heartbeatIntervalMs);
    this.infoLines = infoLinesOn(app.logLevel);
  }

  /** Aborts a running job; no-op when it does not run here. */
  abort(jobId: string, reason: AbortReason): void {
    this.controllers.get(jobId)?.forEach((controller) => controller.abort(reason));
  }

  /** The runs whose owner key the lock renewal extends. */
  ownedRuns(): Array<{ jobId: string; fence: string }> {
    return this.owned.renewable();
  }

  /** A renewal found the job's owner key not its run's: stops the run unless it is ending (see OwnedRuns). */
  ownerKeyLost(jobId: string): void {
    if (this.owned.lost(jobId)) this.abort(jobId, AbortReason.LockLost);
  }

  /**
   * The job's BullMQ lock lapsed and went elsewhere; the run goes on while it still owns the stream. A renewal
   * answered after the run ended (its completion deleted the lock) is ignored: nothing would forget the id.
   */
  lockMovedAway(jobId: string): void {
    if (this.controllers.has(jobId)) this.lockMoved.add(jobId);
  }

  async run(taken: TakenJob): Promise<void> {
    const { data } = taken.job;
    const controller = new AbortController();
    EngineJobIds.tag(controller.signal, data.id);
    this.controllers.set(data.id, (this.controllers.get(data.id) ?? new Set()).add(controller));
    const deadline = setTimeout(
      () => controller.abort(AbortReason.Deadline),
      Math.max(0, data.deadlineAt - Date.now()),
    );
    try {
      // Both in one round trip: they stand between the take and the engine call.
      const [entry, ownerGone] = await Promise.all([
        this.guard.enter(taken, controller.signal),
        this.ownerGone(data),
      ]);
      if (entry.kind === 'run') {
        if (entry.cancelled || ownerGone) controller.abort(AbortReason.Cancelled);
        await this.runOwned(taken, entry, controller);
      } else await this.recordEarlierRun(taken, entry);
    } catch (error) {
      // Nothing was run or written here: the queue gives the job to the next free slot.
      this.logger.warn(this.line(taken, `job ${data.id}: not started: ${(error as Error).message}`));
      await this.source.handBack(taken).catch(() => undefined);
    } finally {
      clearTimeout(deadline);
      const runs = this.controllers.get(data.id);
      runs?.delete(controller);
      if (!runs?.size) {
        this.controllers.delete(data.id);
        this.lockMoved.delete(data.id);
      }
    }
  }

  private async runOwned(
    taken: TakenJob,
    { fence, startedStored }: { fence: string; startedStored: boolean },
    controller: AbortController,
  ): Promise<void> {
    const { data } = taken.job;
    // The batch with the terminal event also releases the owner key and starts the stream's expiry.
    const appender = this.streams.open(
      data.id,
      Math.max(1, taken.job.attemptsStarted),
      fence,
      data.retainSeconds,
    );
    this.owned.add(data.id, fence, appender);
    // The take stored this attempt's `started` event already: the next event is its first line.
    if (startedStored) appender.startedStored(this.settings.workerId);
    const measurement = this.metrics.startJob(taken.model);
    const account = this.accounting.open(data);
    const watch = this.health.watch(controller);
    try {
      const answer = await this.execute(taken, appender, account, controller.signal, watch);
      measurement.completed();
      this.health.completed(data.kind, taken.model);
      await this.recordCompletion(taken, answer, account);
    } catch (error) {
      measurement.failed(controller.signal.reason);
      await this.settleFailure(taken, appender, account, error, controller.signal.reason, watch);
    } finally {
      watch.dispose();
      this.owned.delete(data.id, fence);
      // Without a stored terminal line (handed back, fenced out, Redis gone), the owner key goes and the
      // stream starts to expire here, in one trip; the slot stays taken until then.
      if (!appender.ended)
        await this.ownership.release(data.id, fence, data.retainSeconds).catch(() => undefined);
    }
  }

  /**
   * Relays the engine's chunks; resolves with the merged answer once the final chunk is stored, and, when
   * the job's completion rode with that chunk (standalone Redis), its outcome.
   */
  private async execute(
    taken: TakenJob,
    appender: JobStreamAppender,
    account: JobAccount,
    signal: AbortSignal,
    watch: StallWatch,
  ): Promise<Answer> {
    const { data } = taken.job;
    signal.throwIfAborted();
    watch.started();
    const request = this.openRequest(taken, appender);
    // BullMQ's stalled checker marks a job whose workers stopped while running it too often (`defa`); its own
    // worker fails such a job when it takes it, and so does this one: a job that kills its worker is not
    // run on the next one, and the next, for ever.
    if (taken.job.deferredFailure) throw interrupted(taken.job.stalledCounter);
    const accumulator = new ResponseAccumulator(data.kind);
    let answer: Answer | null = null;
    const continuation = await this.continuations.prepare(taken, request);
    continuation?.seed(accumulator);
    const engineKind = continuation?.engineKind ?? data.kind;
    // The engine answers once the model is loaded: list it now, so /api/ps has it when the client is answered.
    let listed: Promise<void> | undefined;
    try {
      for await (const item of this.handlers.for(engineKind)(continuation?.request ?? request, signal)) {
        watch.progressed();
        listed ??=
          data.kind === JobKind.Show ? Promise.resolve() : this.loadedModels.ensureListed(taken.model);
        const { raw, chunk, final } = continuation ? continuation.adapt(item) : item;
        accumulator.add(chunk);
        account.observe(chunk, final);
        if (final) {
          // What this engine did, not the merged counts of a continued job.
          this.metrics.generated(taken.model, item.chunk.eval_count);
          this.speed.record(item.chunk.eval_count, item.chunk.eval_duration);
          await listed;
          const response = accumulator.result();
          const completion = this.source.completionAfterFinal(taken, {
            workerId: this.settings.workerId,
            response,
          });
          await appender.final(raw, completion?.route);
          answer = { response, recorded: completion?.recorded };
          break;
        }
        // Waits only while this job's writes are behind: the engine's stream is not read meanwhile.
        await appender.chunk(raw);
      }
    } finally {
      this.loadedModels.jobEnded(request);
    }
    await appender.flush();
    signal.throwIfAborted();
    if (!answer) throw new EngineError('engine closed the stream without a final chunk', 502);
    return answer;
  }

  /**
   * The request for the engine. A client that reads only the merged answer sees none of the chunks before the
   * final one: they are held to share writes, and so is the attempt's `started` event when the take left it
   * to the run (MERGED_ANSWER_FIELD), and a quick answer is one stream entry when the job's reader takes it
   * (ONE_ANSWER_ENTRY). A request that cannot be opened still starts the attempt before its error.
   */
  private openRequest(taken: TakenJob, appender: JobStreamAppender): Record<string, unknown> {
    try {
      const request = this.payloads.open(taken.job.data);
      if (request.stream === false) appender.holdChunks(MERGED_ANSWER_HOLD_MS, taken.oneAnswerEntry);
      return request;
    } finally {
      if (!appender.hasStarted) appender.started(this.settings.workerId);
    }
  }

  /**
   * Usage and the owner's slot are settled once the client has its final event, alongside completion (which
   * rode with the final line when `recorded` is given).
   */
  private async recordCompletion(
    taken: TakenJob,
    { response, recorded }: Answer,
    account: JobAccount,
  ): Promise<void> {
    const jobId = taken.job.data.id;
    try {
      await Promise.all([
        recorded ?? this.source.complete(taken, { workerId: this.settings.workerId, response }),
        account.settle(),
      ]);
      if (this.infoLines) this.logger.log(this.line(taken, `job ${jobId}: completed`));
    } catch (error) {
      // The client has its answer; only the queue's record is missing. A worker that took the job over
      // records it from the stream (RunGuard), so it is never run again.
      const moved = this.lockMoved.has(jobId);
      this.logger.warn(
        this.line(
          taken,
          `job ${jobId}: answered; ${moved ? 'its new lock holder records the outcome' : `not recorded: ${(error as Error).message}`}`,
        ),
      );
    }
  }

  /** An earlier run ended the job's stream: record that outcome in the queue, never run it again. */
  private async recordEarlierRun(taken: TakenJob, entry: Exclude<RunEntry, { kind: 'run' }>): Promise<void> {
    const jobId = taken.job.data.id;
    try {
      if (entry.kind === 'completed')
        await this.source.complete(taken, { workerId: entry.workerId, response: entry.response });
      else await this.source.fail(taken, entry.error);
      this.logger.log(this.line(taken, `job ${jobId}: ${entry.kind} by an earlier run`));
    } catch (error) {
      this.logger.warn(
        this.line(
          taken,
          `job ${jobId}: could not record the earlier run's outcome: ${(error as Error).message}`,
        ),
      );
    }
  }

  private async settleFailure(
    taken: TakenJob,
    appender: JobStreamAppender,
    account: JobAccount,
    error: unknown,
    reason: unknown,
    watch: StallWatch,
  ): Promise<void> {
    const jobId = taken.job.data.id;
    try {
      if (reason === AbortReason.LockLost || error instanceof StreamFencedError) {
        this.logger.warn(
          this.line(taken, `job ${jobId}: another run owns it now; stopped this one without writing`),
        );
        return;
      }
      if (reason === AbortReason.HandBack && !appender.hasEmitted) {
        await this.ownership.release(jobId, this.owned.fenceOf(jobId));
        await this.source.handBack(taken);
        this.logger.log(this.line(taken, `job ${jobId}: handed back to the queue`));
        return;
      }
      if (reason === undefined && isConnectionFailure(error) && !appender.hasEmitted) {
        // The engine is unreachable, not the request bad: another worker can serve it. Stop taking jobs
        // (circuit open) until the heartbeat's next engine probe succeeds and restores the models.
        await this.source.setModels([]);
        await this.ownership.release(jobId, this.owned.fenceOf(jobId));
        await this.source.handBack(taken);
        this.logger.warn(
          this.line(
            taken,
            `job ${jobId}: engine unreachable (${(error as Error).message}); handed back, taking no jobs until it answers`,
          ),
        );
        return;
      }
      this.health.failed(error, reason, watch);
      const failure =
        reason === AbortReason.Stalled ? this.health.stallError(watch) : this.describe(error, reason);
      await appender.error(failure);
      // The job ends here (also when the client aborted it): its owner pays for what was generated.
      await Promise.all([this.source.fail(taken, failure.error), account.settle()]);
      this.logger.log(this.line(taken, `job ${jobId}: failed (${failure.status}) ${failure.error}`));
    } catch (settleError) {
      this.logger.warn(
        this.line(taken, `job ${jobId}: could not record the failure: ${(settleError as Error).message}`),
      );
    }
  }

  /** A line about `taken`'s job, with its ids as fields. */
  private line(taken: TakenJob, message: string): LogIds & { message: string } {
    return withLogIds(message, jobLogIds(taken.job.data, this.settings.workerId));
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

  /**
   * A job whose gateway is gone has no client left. A gateway seen alive within the last heartbeat is not
   * read again (RecentPresence), nor is the gateway of a job younger than a presence key's lifetime: the job
   * is its gateway's word that it was alive then, as good as a key it wrote then, which also keeps a job
   * submitted right after a Redis restart (the key lost until the next beat) from being taken for orphaned.
   * Gateways used to renew their key with every job for that (issue 15: one command per job).
   * Checked at start only with a standalone Redis: behind Sentinel or in a Cluster a failover outlasts the
   * presence key, so a live gateway's key can be missing for seconds; there the slot loop's grace
   * (OwnerAbsence) decides, on its lock-renewal checks.
   */
  private async ownerGone({ ownerGatewayId, submittedAt }: InferenceJobData): Promise<boolean> {
    if (!ownerGatewayId || this.redis.topology.mode !== 'standalone') return false;
    if (Date.now() - submittedAt < this.presenceTtlMs) return false;
    if (this.gateways.alive(ownerGatewayId)) return false;
    const present = (await this.client.redis.exists(this.client.keys.gateway(ownerGatewayId))) === 1;
    if (present) this.gateways.seen(ownerGatewayId);
    return !present;
  }
}

/** The error of a job BullMQ's stalled checker marked for failure (see execute). */
function interrupted(times: number): JobFailedError {
  return new JobFailedError(
    `the job was interrupted ${times} times (the worker running it stopped each time); it is not run again`,
    502,
  );
}
