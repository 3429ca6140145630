/**
 * Every Redis key GridLLM owns outside BullMQ's own, in one place. All share the configured prefix
 * (BullMQ gets the same prefix through its `prefix` option).
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** JSON WorkerInfo, expiring 3 heartbeats after the last one: existence means alive. */
  worker(workerId: string): string {
    return `${this.prefix}:worker:${workerId}`;
  }

  /** An operator's instruction to a worker (`cordon`); absent means normal service. */
  workerControl(workerId: string): string {
    return `${this.prefix}:worker-control:${workerId}`;
  }

  /** Exists while a gateway process is alive (refreshed every heartbeat interval). */
  gateway(serverId: string): string {
    return `${this.prefix}:gateway:${serverId}`;
  }

  /** Operations a gateway asks one worker to carry out (model delete/copy), a Redis Stream. */
  controlStream(workerId: string): string {
    return `${this.prefix}:control:${workerId}`;
  }

  /** Progress lines of one control request (a pull), from every worker doing it (a Redis Stream). */
  controlProgress(requestId: string): string {
    return `${this.prefix}:control-progress:${requestId}`;
  }

  /** Where workers put their answers to one control request (a list). */
  controlReplies(requestId: string): string {
    return `${this.prefix}:control-replies:${requestId}`;
  }

  /** Set of every worker id ever registered (stale ids are pruned when their key has expired). */
  workers(): string {
    return `${this.prefix}:workers`;
  }

  /** Sorted set of worker ids that serve a model, scored by the epoch ms when that claim expires. */
  modelWorkers(model: string): string {
    return `${this.prefix}:model-workers:${model}`;
  }

  /** Set of model names that have a queue (so stats can enumerate them). */
  models(): string {
    return `${this.prefix}:models`;
  }

  /** The run times (ms) of a model's last jobs, newest first: the basis of queue ETAs. */
  jobDurations(model: string): string {
    return `${this.prefix}:job-durations:${model}`;
  }

  /** A job's token stream (Redis Stream). */
  jobStream(jobId: string): string {
    return `${this.prefix}:job-stream:${jobId}`;
  }

  /**
   * The run that may write a job's token stream (`<workerId>/<uuid>`, expiring unless its worker renews it):
   * the fence that keeps a second run of the same job from writing, and the owner's proof of life.
   */
  jobOwner(jobId: string): string {
    return `${this.prefix}:job-owner:${jobId}`;
  }

  /** Job id → queue (model) name, so the native API can find a job by id alone. */
  jobQueue(jobId: string): string {
    return `${this.prefix}:job-queue:${jobId}`;
  }

  /** Set when a job is cancelled; the worker checks it at start and on each lock renewal. */
  jobCancel(jobId: string): string {
    return `${this.prefix}:job-cancel:${jobId}`;
  }

  /** Pub/sub channel on which cancellations are broadcast to workers. */
  cancelChannel(): string {
    return `${this.prefix}:cancel`;
  }

  /** Written by a gateway's readiness probe (short TTL): proves Redis accepts writes. */
  healthProbe(ownerId: string): string {
    return `${this.prefix}:health-probe:${ownerId}`;
  }

  /** A per-process wake-up stream that makes a blocked XREAD / BZPOPMIN return early. */
  wake(ownerId: string): string {
    return `${this.prefix}:wake:${ownerId}`;
  }

  /** An API key's record (hash): id, name, scopes, limits, times and the SHA-256 of its secret, never the secret. */
  apiKey(keyId: string): string {
    return `${this.prefix}:api-key:${keyId}`;
  }

  /** SHA-256 (hex) of a key's secret → key id: how a presented key is found without storing it. */
  apiKeyBySecretHash(secretHash: string): string {
    return `${this.prefix}:api-key-hash:${secretHash}`;
  }

  /** Set of every API key id. */
  apiKeys(): string {
    return `${this.prefix}:api-keys`;
  }

  /** Token and request counts of one owner (key id or token subject) for one period bucket (a hash). */
  usage(ownerId: string, bucket: string): string {
    return `${this.prefix}:usage:${ownerId}:${bucket}`;
  }

  /** Jobs of one owner that are queued or running, scored by the epoch ms after which they no longer count. */
  ownerJobs(ownerId: string): string {
    return `${this.prefix}:owner-jobs:${ownerId}`;
  }

  /** Prefix of the request-rate counters shared by every gateway. */
  throttlePrefix(): string {
    return `${this.prefix}:throttle:`;
  }

  /** Proof of the grid's WORKER_TOKEN (an HMAC, not the token): a worker with another token refuses to start. */
  workerTokenCheck(): string {
    return `${this.prefix}:worker-token-check`;
  }
}
