import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';

import { RateCountReply, RequestCharge } from '@gridllm/access';
import { gatewayConfig, queueConfig } from '@gridllm/config';
import {
  InferenceJobData,
  JobKind,
  JobNotFoundError,
  JobOwner,
  JobPriority,
  ModelNotFoundError,
  ModelUnavailableError,
  checkModelName,
  normalizeModelName,
} from '@gridllm/contracts';
import { RedisClient, ReplicaAck } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import { TokenStreamWriter } from '@gridllm/streaming';

import { FairShare } from './fair-share';
import { AffinityPlanner } from './affinity/affinity-planner';
import { withoutRequest } from './finished-job';
import { GridCapacity } from './grid-capacity';
import { Admission, AdmittedEnqueue, EnqueueTerms, JobEnqueue } from './job-enqueue';
import { JobPayloadSeal } from './job-payload-seal';
import { OwnerLimits } from './owner-limits';
import { ModelQueue, QueueRegistry } from './queue-registry';

export interface SubmitJobInput {
  kind: JobKind;
  /** The model name as the client sent it. */
  model: string;
  request: Record<string, unknown>;
  priority?: JobPriority;
  /** How long the stream and result are kept; defaults to STREAM_TTL (synchronous requests). */
  retainSeconds?: number;
  requestId?: string;
  /** An async job is not tied to the HTTP request (or gateway) that created it. */
  detached?: boolean;
  /** Whose job it is: its token quota and concurrency limit apply, and its usage is recorded. */
  owner?: JobOwner;
  /** Resume on another worker from the text so far when the worker dies mid-stream (opt-in). */
  continueOnFailure?: boolean;
  /** A client-named session: its jobs stay on one worker while it can take them (see docs/scheduling.md). */
  session?: string;
  /**
   * The request's rate count, if it is not made yet (the gateway's, see RequestCharge): the enqueue script
   * makes it where it can, or it is made beside the job's own admission; the job is stored only once it
   * allows it, and its refusal is the submit's.
   */
  charge?: RequestCharge;
}

export type CancelOutcome = 'cancelled' | 'already-finished';

/** What the enqueue script needs to admit a job, but its id index (known once the job has an id). */
type GridAdmission = Omit<Admission, 'indexKey' | 'indexSeconds' | 'countQueue'>;

/** Whether the caller may see a job; a job it may not see is answered as unknown (404). */
export type JobVisibility = (job: InferenceJobData) => boolean;

export const EVERY_JOB: JobVisibility = () => true;

/** Gateway side of the queue: accepts jobs durably, finds them by id, cancels them. */
@Injectable()
export class JobSchedulerService {
  private readonly logger = new Logger(JobSchedulerService.name);
  private jobEnqueue: JobEnqueue | null = null;

  constructor(
    private readonly queues: QueueRegistry,
    private readonly registry: WorkerRegistry,
    private readonly client: RedisClient,
    private readonly streams: TokenStreamWriter,
    private readonly capacity: GridCapacity,
    private readonly ownerLimits: OwnerLimits,
    private readonly payloads: JobPayloadSeal,
    private readonly replicas: ReplicaAck,
    private readonly fairShare: FairShare,
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
    private readonly affinity: AffinityPlanner,
  ) {}

  /**
   * Puts the job in Redis (it is durable once this resolves). Throws when no live worker serves the model,
   * the grid is full, the owner is over its token quota or concurrency limit, or the request over its rate
   * limit (`charge`). The job returned has no request: callers hold it while they relay the answer, and the
   * prompt may be megabytes.
   */
  async submit(input: SubmitJobInput): Promise<InferenceJobData> {
    // Every family's jobs pass here: a name Ollama would refuse is a 400, never a queue or a 404.
    const model = normalizeModelName(checkModelName(input.model));
    // Where it can, the enqueue script itself checks that the model is served and the queues have room
    // (one round trip instead of two); otherwise, and whenever that script refuses, they are checked here.
    const admission = this.admission(model);
    // The rate count rides in that script when nobody has made it yet: no round trip of its own.
    const countInScript = admission !== null && input.charge?.made === false;
    const [, , affinity] = await Promise.all([
      admission || this.admit(model, input.model),
      input.owner && this.ownerLimits.checkQuota(input.owner),
      // Object.assign, not a spread followed by new properties: see withoutRequest.
      this.affinity.plan(Object.assign({}, input, { model, ownerId: input.owner?.id })),
      !countInScript && input.charge?.count(),
    ]);
    const now = Date.now();
    const id = randomUUID();
    const data: InferenceJobData = {
      id,
      kind: input.kind,
      model,
      ...this.payloads.seal(id, input.request),
      priority: input.priority ?? 'medium',
      submittedAt: now,
      deadlineAt: now + this.settings.defaultJobTimeoutMs,
      retainSeconds: input.retainSeconds ?? this.settings.streamTtlSeconds,
      requestId: input.requestId,
      ownerGatewayId: input.detached ? undefined : this.gateway.serverId,
      ownerId: input.owner?.id,
      continueOnFailure: input.continueOnFailure || undefined,
      fairShare: this.fairShare.charge({ kind: input.kind }, input.request, input.owner),
      ...(affinity && { affinity }),
    };
    if (input.owner) await this.ownerLimits.holdSlot(input.owner, data.id, data.deadlineAt, now);
    // Claimed only now: a request refused before this point is still counted (by the gateway's error path).
    const rateCount = countInScript ? input.charge?.claim() : undefined;
    // The worker holds such a job's lines to write them together (see MERGED_ANSWER_FIELD).
    const mergedAnswer = input.request.stream === false;
    // Object.assign, not a spread followed by new properties: see withoutRequest.
    const admitted =
      admission &&
      (await this.undoingOnError(data, () =>
        this.enqueueAdmitted(data, Object.assign({}, admission, { rateCount }), mergedAnswer),
      ));
    if (admitted && admitted.count) await this.settleCount(data, admitted.count, input.charge);
    if (!admitted || !admitted.stored) {
      if (admission) await this.admitOrRelease(data, input.model);
      await this.undoingOnError(data, () => this.enqueue(data, mergedAnswer));
    }
    return withoutRequest(data);
  }

  /** Removes a queued job, or asks the worker running it to abort. */
  async cancel(jobId: string, visible: JobVisibility = EVERY_JOB): Promise<CancelOutcome> {
    const { job, queue } = await this.find(jobId);
    if (!visible(job.data)) throw new JobNotFoundError(jobId);
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'already-finished';
    const { redis, keys } = this.client;
    await redis.set(keys.jobCancel(jobId), '1', 'EX', job.data.retainSeconds);
    if (state !== 'active' && (await this.removeWaiting(queue, jobId))) {
      // No worker will end this job, so its owner's slot is freed here (a running job's worker frees it).
      if (job.data.ownerId) await this.ownerLimits.release(job.data.ownerId, jobId);
      await this.streams.terminate(jobId, { error: 'request canceled', status: 499 }, job.data.retainSeconds);
      return 'cancelled';
    }
    await redis.publish(keys.cancelChannel(), jobId);
    return 'cancelled';
  }

  /** Best effort: cancel without caring whether the job still exists (client went away). */
  async cancelQuietly(jobId: string): Promise<void> {
    try {
      await this.cancel(jobId);
    } catch (error) {
      if (!(error instanceof JobNotFoundError))
        this.logger.warn(`cancel ${jobId}: ${(error as Error).message}`);
    }
  }

  /** The BullMQ job and its queue; throws JobNotFoundError when unknown or expired. */
  async find(
    jobId: string,
  ): Promise<{ job: NonNullable<Awaited<ReturnType<ModelQueue['getJob']>>>; queue: ModelQueue }> {
    const model = await this.client.redis.get(this.client.keys.jobQueue(jobId));
    if (!model) throw new JobNotFoundError(jobId);
    const queue = this.queues.forModel(model);
    const job = await queue.getJob(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    return { job, queue };
  }

  /** Whether a job id was cancelled (its BullMQ record may already be gone). */
  async wasCancelled(jobId: string): Promise<boolean> {
    return (await this.client.redis.exists(this.client.keys.jobCancel(jobId))) === 1;
  }

  /** Model of a job id, even after its BullMQ record was removed. */
  async modelOf(jobId: string): Promise<string | null> {
    return this.client.redis.get(this.client.keys.jobQueue(jobId));
  }

  /** Every model that ever had a queue. */
  async knownModels(): Promise<string[]> {
    const models = await this.client.redis.smembers(this.client.keys.models());
    return models.sort();
  }

  queueFor(model: string): ModelQueue {
    return this.queues.forModel(model);
  }

  /**
   * Whether the enqueue script can make a submitted request's rate count (SubmitJobInput.charge) in its
   * own round trip: one Redis server, and claims that need no signature check (see admission).
   */
  get countsRequestsAtEnqueue(): boolean {
    return !this.client.keys.clustered && !this.registry.verifiesClaims;
  }

  /** Throws unless a live worker serves the model and the grid and the model's queue have room. */
  private async admit(model: string, asked: string): Promise<void> {
    const [availability] = await Promise.all([
      this.registry.availability(model),
      this.capacity.ensureRoom(model),
    ]);
    if (availability === 'recently-served') throw new ModelUnavailableError(asked);
    if (availability === 'unknown') throw new ModelNotFoundError(asked);
  }

  /**
   * The checks the enqueue script can make itself: one Redis server (a Cluster spreads the keys over
   * slots), claims that need no signature check, and a recent count of the other queues.
   */
  private admission(model: string): GridAdmission | null {
    if (!this.countsRequestsAtEnqueue) return null;
    const allowance = this.capacity.openAllowance(model);
    if (!allowance) return null;
    const { keys } = this.client;
    // Object.assign, not a spread followed by new properties: see withoutRequest.
    return Object.assign({}, allowance, { claimsKey: keys.modelWorkers(model) });
  }

  /** The slow checks after the enqueue script refused: the exact refusal, the owner's slot given back. */
  private async admitOrRelease(data: InferenceJobData, asked: string): Promise<void> {
    try {
      await this.admit(data.model, asked);
    } catch (error) {
      await this.releaseOwnerSlot(data);
      throw error;
    }
  }

  /**
   * Runs an enqueue; when it fails, frees the owner's slot and takes back whatever it may have written. The
   * refusal does not wait for the take-back: with Redis unreachable it would take a command timeout more.
   */
  private async undoingOnError<T>(data: InferenceJobData, enqueue: () => Promise<T>): Promise<T> {
    try {
      return await enqueue();
    } catch (error) {
      void this.discard(data);
      await this.releaseOwnerSlot(data);
      throw error;
    }
  }

  /** A job that was never queued must not keep its owner's slot until its deadline. */
  private async releaseOwnerSlot(data: InferenceJobData): Promise<void> {
    if (data.ownerId) await this.ownerLimits.release(data.ownerId, data.id).catch(() => undefined);
  }

  /** Checks admission (and counts the request) and enqueues in one round trip; not stored when not admitted. */
  private async enqueueAdmitted(
    data: InferenceJobData,
    admission: GridAdmission,
    mergedAnswer: boolean,
  ): Promise<AdmittedEnqueue> {
    const queue = this.queues.forModel(data.model);
    const retain = this.indexSeconds(data);
    const countQueue = this.capacity.mustCountQueue(data.model, admission);
    let admitted: AdmittedEnqueue | null = null;
    try {
      // Object.assign, not a spread followed by new properties: see withoutRequest.
      admitted = await this.enqueuer.addIfAdmitted(
        queue,
        data,
        this.terms(data, retain, mergedAnswer),
        Object.assign({}, admission, {
          indexKey: this.client.keys.jobQueue(data.id),
          indexSeconds: retain,
          countQueue,
        }),
      );
    } finally {
      this.capacity.queueCounted(data.model, countQueue, admitted);
    }
    if (admitted.stored) await this.replicas.confirm(`job ${data.id}`, this.queues.connection);
    return admitted;
  }

  /** Hands the enqueue script's count to the request; over its limit (nothing stored), the owner's slot goes back. */
  private async settleCount(
    data: InferenceJobData,
    count: RateCountReply,
    charge: RequestCharge | undefined,
  ): Promise<void> {
    try {
      charge?.settle(count);
    } catch (error) {
      await this.releaseOwnerSlot(data);
      throw error;
    }
  }

  private async enqueue(data: InferenceJobData, mergedAnswer: boolean): Promise<void> {
    const { model } = data;
    const queue = this.queues.forModel(model);
    const retain = this.indexSeconds(data);
    // The writes go out together; the id index is only read once the caller has the id. The index lives
    // in the job's slot group and the model list in the grid's (separate commands in a Redis Cluster).
    const { redis, keys } = this.client;
    await Promise.all([
      redis.set(keys.jobQueue(data.id), model, 'EX', retain),
      // Plain commands: the writes need no atomicity (MULTI/EXEC would be two commands more), and an ioredis
      // pipeline gets a hidden class of its own (see TokenStreamReader.wake). They leave in one write anyway.
      redis.sadd(keys.models(), model),
      // Stored, placed (fair share), hinted (affinity) and signalled in one script run.
      this.enqueuer.add(queue, data, this.terms(data, retain, mergedAnswer)),
    ]);
    // Both connections wrote part of the job (its id index and the BullMQ record).
    await this.replicas.confirm(`job ${data.id}`, this.client.redis, this.queues.connection);
  }

  /** How long the job id index (and the finished job) is kept. */
  private indexSeconds(data: InferenceJobData): number {
    return Math.max(data.retainSeconds, this.settings.streamTtlSeconds);
  }

  private terms(data: InferenceJobData, retainSeconds: number, mergedAnswer: boolean): EnqueueTerms {
    return {
      retainSeconds,
      fair: this.fairShare.terms(data),
      preferredWorker: data.affinity?.preferred?.workerId,
      mergedAnswer,
    };
  }

  /** Created on first use: the queues' shared connection is opened lazily. */
  private get enqueuer(): JobEnqueue {
    this.jobEnqueue ??= new JobEnqueue(this.queues.connection);
    return this.jobEnqueue;
  }

  /**
   * Takes back a job whose submit failed: a write that timed out still runs once Redis catches up, which
   * would leave a refused request's job (and prompt) behind. Each command follows the write it undoes on the
   * same connection; the cancel mark stops a worker that took the job in between at its start.
   */
  private async discard(data: InferenceJobData): Promise<void> {
    const { redis, keys } = this.client;
    await Promise.allSettled([
      redis.set(keys.jobCancel(data.id), '1', 'EX', data.retainSeconds),
      redis.del(keys.jobQueue(data.id)),
      this.queues.forModel(data.model).remove(data.id),
    ]);
  }

  private async removeWaiting(queue: ModelQueue, jobId: string): Promise<boolean> {
    try {
      // remove() refuses a job that a worker has just locked; then it is active and gets the cancel message.
      return (await queue.remove(jobId)) === 1;
    } catch {
      return false;
    }
  }
}
