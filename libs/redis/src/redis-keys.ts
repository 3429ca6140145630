/** How many hash-slot groups queues and jobs are spread over in a Redis Cluster (see docs/deployment.md). */
export const SLOT_GROUPS = 16;

/**
 * Every Redis key GridLLM owns outside BullMQ's own, in one place. All share the configured prefix
 * (BullMQ gets the same prefix through its `prefix` option).
 *
 * In a Redis Cluster (`clustered`) each key also carries a hash tag, so that no multi-key command or
 * script spans two slots: the grid's shared state (registry, keys, limits) is `{grid}`, and a job's keys
 * are `{job-N}` with N from the job id, so the token streams of different jobs spread over the shards.
 */
export class RedisKeys {
  constructor(
    readonly prefix: string,
    readonly clustered = false,
  ) {}

  /** The slot group of a job's keys (its stream, id index and cancel flag). */
  jobGroup(jobId: string): string {
    return `job-${slotGroupOf(jobId)}`;
  }

  /** `prefix:` plus, in a cluster, the hash tag of `group`. */
  private in(group: string): string {
    return this.clustered ? `${this.prefix}:{${group}}` : this.prefix;
  }

  private grid(): string {
    return this.in('grid');
  }
  /** JSON WorkerInfo, expiring 3 heartbeats after the last one: existence means alive. */
  worker(workerId: string): string {
    return `${this.grid()}:worker:${workerId}`;
  }

  /** An operator's instruction to a worker (`cordon`); absent means normal service. */
  workerControl(workerId: string): string {
    return `${this.grid()}:worker-control:${workerId}`;
  }

  /** Exists while a gateway process is alive (refreshed every heartbeat interval). */
  gateway(serverId: string): string {
    return `${this.grid()}:gateway:${serverId}`;
  }

  /** Operations a gateway asks one worker to carry out (model delete/copy), a Redis Stream. */
  controlStream(workerId: string): string {
    return `${this.grid()}:control:${workerId}`;
  }

  /** Progress lines of one control request (a pull), from every worker doing it (a Redis Stream). */
  controlProgress(requestId: string): string {
    return `${this.grid()}:control-progress:${requestId}`;
  }

  /** Where workers put their answers to one control request (a list). */
  controlReplies(requestId: string): string {
    return `${this.grid()}:control-replies:${requestId}`;
  }

  /** Set of every worker id ever registered (stale ids are pruned when their key has expired). */
  workers(): string {
    return `${this.grid()}:workers`;
  }

  /** Sorted set of worker ids that serve a model, scored by the epoch ms when that claim expires. */
  modelWorkers(model: string): string {
    return `${this.grid()}:model-workers:${model}`;
  }

  /** Set of model names that have a queue (so stats can enumerate them). */
  models(): string {
    return `${this.grid()}:models`;
  }

  /** The run times (ms) of a model's last jobs, newest first: the basis of queue ETAs. */
  jobDurations(model: string): string {
    return `${this.grid()}:job-durations:${model}`;
  }

  /** A job's token stream (Redis Stream). */
  jobStream(jobId: string): string {
    return `${this.in(this.jobGroup(jobId))}:job-stream:${jobId}`;
  }

  /**
   * The run that may write a job's token stream (`<workerId>/<uuid>`, expiring unless its worker renews it):
   * the fence that keeps a second run of the same job from writing, and the owner's proof of life.
   */
  jobOwner(jobId: string): string {
    // Same slot group as the job's stream: the fenced append script touches both.
    return `${this.in(this.jobGroup(jobId))}:job-owner:${jobId}`;
  }

  /** Job id → queue (model) name, so the native API can find a job by id alone. */
  jobQueue(jobId: string): string {
    return `${this.in(this.jobGroup(jobId))}:job-queue:${jobId}`;
  }

  /** Set when a job is cancelled; the worker checks it at start and on each lock renewal. */
  jobCancel(jobId: string): string {
    return `${this.in(this.jobGroup(jobId))}:job-cancel:${jobId}`;
  }

  /** Pub/sub channel on which cancellations are broadcast to workers. */
  cancelChannel(): string {
    return `${this.grid()}:cancel`;
  }

  /** Written by a gateway's readiness probe (short TTL): proves Redis accepts writes. */
  healthProbe(ownerId: string): string {
    return `${this.grid()}:health-probe:${ownerId}`;
  }

  /**
   * A per-process wake-up key that makes a blocked XREAD / BZPOPMIN return early; in a cluster, one per
   * slot group that the process blocks on (a blocking read covers one slot).
   */
  wake(ownerId: string, group = 'grid'): string {
    return `${this.in(group)}:wake:${ownerId}`;
  }

  /** Workers of one placement class with a free slot for a model (sorted set scored by expiry). */
  availability(model: string, placementClass: number): string {
    return `${this.grid()}:avail:${model}:${placementClass}`;
  }

  /** The worker that recently served a prompt prefix ending with this block of a model (expiring). */
  prefixBlock(model: string, blockHash: string): string {
    return `${this.grid()}:prefix:${model}:${blockHash}`;
  }

  /** The worker a named session sticks to (expiring). */
  session(sessionHash: string): string {
    return `${this.grid()}:session:${sessionHash}`;
  }

  /** An API key's record (hash): id, name, scopes, limits, times and the SHA-256 of its secret, never the secret. */
  apiKey(keyId: string): string {
    return `${this.grid()}:api-key:${keyId}`;
  }

  /** SHA-256 (hex) of a key's secret → key id: how a presented key is found without storing it. */
  apiKeyBySecretHash(secretHash: string): string {
    return `${this.grid()}:api-key-hash:${secretHash}`;
  }

  /** Set of every API key id. */
  apiKeys(): string {
    return `${this.grid()}:api-keys`;
  }

  /** Token and request counts of one owner (key id or token subject) for one period bucket (a hash). */
  usage(ownerId: string, bucket: string): string {
    return `${this.grid()}:usage:${ownerId}:${bucket}`;
  }

  /** Jobs of one owner that are queued or running, scored by the epoch ms after which they no longer count. */
  ownerJobs(ownerId: string): string {
    return `${this.grid()}:owner-jobs:${ownerId}`;
  }

  /** The dashboard's live picture of the grid (JSON, short TTL), written by the one recording gateway. */
  dashboardLive(): string {
    return `${this.grid()}:dashboard:live`;
  }

  /** The dashboard's per-second series (a Redis Stream trimmed to the last 15 minutes). */
  dashboardSeries(): string {
    return `${this.grid()}:dashboard:series`;
  }

  /** The dashboard's last finished jobs, newest first (a capped list of JSON records). */
  dashboardFinished(): string {
    return `${this.grid()}:dashboard:finished`;
  }

  /** Lease of the gateway that records the dashboard's data (one writer, so no count is doubled). */
  dashboardRecorder(): string {
    return `${this.grid()}:dashboard:recorder`;
  }

  /** Prefix of the request-rate counters shared by every gateway. */
  throttlePrefix(): string {
    return `${this.prefix}:throttle:`;
  }

  /** Proof of the grid's WORKER_TOKEN (an HMAC, not the token): a worker with another token refuses to start. */
  workerTokenCheck(): string {
    return `${this.grid()}:worker-token-check`;
  }

  /** The gateways' shared key for signing blob download links when the grid has no WORKER_TOKEN. */
  blobLinkKey(): string {
    return `${this.grid()}:blob-link-key`;
  }
}

/** A stable group number in [0, SLOT_GROUPS) for a job id or model name (FNV-1a). */
export function slotGroupOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SLOT_GROUPS;
}

/**
 * The hash tag Redis Cluster hashes for `key` (the text between the first `{` and the next `}`, when not
 * empty), or the whole key: keys with equal tags share a slot, so one multi-key command may cover them.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
