import { BULLMQ_PRIORITY, InferenceJobData } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';

import { ENQUEUE_ADMITTED, ENQUEUE_JOB } from './enqueue-job.lua';
import { FAIR_STATE_SUFFIX, FairTerms } from './fair-share';
import { PREFERENCE_HINTS_TTL_MS } from './affinity/job-preference';
import { ModelQueue } from './queue-registry';

/** How one job is placed: kept for `retainSeconds` once finished, by fair share or FIFO, maybe preferring a worker. */
export interface EnqueueTerms {
  retainSeconds: number;
  fair: FairTerms | null;
  preferredWorker?: string;
  hintsKey: string;
}

/**
 * The gateway's admission checks, run in the enqueue script itself (one Redis server only): the model must
 * be claimed by a live worker, its queue below `maxWaiting`, its open jobs below `maxOpen`.
 */
export interface Admission {
  claimsKey: string;
  maxWaiting: number;
  maxOpen: number;
  /** The job id index (job id → model), kept `indexSeconds`. */
  indexKey: string;
  indexSeconds: number;
  /** This gateway's presence key, renewed with every job. */
  presenceKey: string;
  presenceMs: number;
}

interface EnqueueRedis {
  gridllmEnqueue(...args: Array<string | number>): Promise<string>;
  gridllmEnqueueAdmitted(...args: Array<string | number>): Promise<string | null>;
}

/** Runs ENQUEUE_JOB on the connection the queues share: the job is stored, placed and signalled at once. */
export class JobEnqueue {
  private readonly redis: EnqueueRedis;

  constructor(connection: RedisConnection) {
    connection.defineCommand('gridllmEnqueue', { numberOfKeys: 6, lua: ENQUEUE_JOB });
    connection.defineCommand('gridllmEnqueueAdmitted', { numberOfKeys: 11, lua: ENQUEUE_ADMITTED });
    this.redis = connection as unknown as EnqueueRedis;
  }

  /** Resolves with the job's fair tag (null under FIFO) once it is in Redis. */
  async add(queue: ModelQueue, data: InferenceJobData, terms: EnqueueTerms): Promise<number | null> {
    const [keys, args] = this.jobArgs(queue, data, terms);
    const tag = await this.redis.gridllmEnqueue(...keys, ...args);
    return tag === '' ? null : Number(tag);
  }

  /**
   * Checks admission and enqueues in one round trip: false when the job was not admitted (nothing was
   * written; the caller checks the slow way for the exact refusal), true once it is in Redis.
   */
  async addIfAdmitted(
    queue: ModelQueue,
    data: InferenceJobData,
    terms: EnqueueTerms,
    admission: Admission,
  ): Promise<boolean> {
    const [keys, args] = this.jobArgs(queue, data, terms);
    const { keys: queueKeys } = queue;
    const tag = await this.redis.gridllmEnqueueAdmitted(
      ...keys,
      admission.claimsKey,
      queueKeys.wait,
      queueKeys.active,
      admission.indexKey,
      admission.presenceKey,
      ...args,
      admission.maxWaiting,
      admission.maxOpen,
      data.model,
      admission.indexSeconds,
      admission.presenceMs,
    );
    return tag !== null;
  }

  /** ENQUEUE_JOB's keys and arguments. */
  private jobArgs(
    queue: ModelQueue,
    data: InferenceJobData,
    terms: EnqueueTerms,
  ): [string[], Array<string | number>] {
    const priority = BULLMQ_PRIORITY[data.priority];
    const retention = { age: terms.retainSeconds };
    // The options BullMQ's own add would store: its completion and retention read them from the job hash.
    const opts = {
      attempts: 1,
      jobId: data.id,
      priority,
      removeOnComplete: retention,
      removeOnFail: retention,
    };
    const { fair } = terms;
    return [
      [
        queue.toKey(data.id),
        queue.keys.prioritized,
        queue.keys.marker,
        queue.keys.pc,
        queue.toKey(FAIR_STATE_SUFFIX),
        terms.hintsKey,
      ],
      [
        data.id,
        data.kind,
        JSON.stringify(data),
        JSON.stringify(opts),
        data.submittedAt,
        priority,
        fair?.owner ?? '',
        fair?.cost ?? 0,
        fair?.windowMs ?? 0,
        fair?.stateTtlMs ?? 0,
        terms.preferredWorker ?? '',
        PREFERENCE_HINTS_TTL_MS,
      ],
    ];
  }
}
