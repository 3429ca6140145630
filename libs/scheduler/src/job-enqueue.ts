import { RateCountReply, RateCountTerms } from '@gridllm/access';
import { BULLMQ_PRIORITY, InferenceJobData } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';

import { ENQUEUE_ADMITTED, ENQUEUE_ADMITTED_COUNTED, ENQUEUE_JOB } from './enqueue-job.lua';
import { FAIR_STATE_SUFFIX, FairTerms } from './fair-share';
import { ModelQueue } from './queue-registry';
import { ONE_ANSWER_ENTRY } from './take-next.lua';

/** How one job is placed: kept for `retainSeconds` once finished, by fair share or FIFO, maybe preferring a worker. */
export interface EnqueueTerms {
  retainSeconds: number;
  fair: FairTerms | null;
  preferredWorker?: string;
  /** The client reads only the merged answer (`stream:false`): see MERGED_ANSWER_FIELD. */
  mergedAnswer?: boolean;
}

/**
 * The gateway's admission checks, run in the enqueue script itself (one Redis server only): the model must
 * be claimed by a live worker, its queue below `maxWaiting`, its open jobs below `maxOpen`; the queue is
 * counted only with `countQueue` (see QueueCountReuse).
 */
export interface Admission {
  claimsKey: string;
  maxWaiting: number;
  maxOpen: number;
  countQueue: boolean;
  /** The job id index (job id → model), kept `indexSeconds`. */
  indexKey: string;
  indexSeconds: number;
  /** The request's rate count, made by the script before anything else (see ENQUEUE_ADMITTED_COUNTED). */
  rateCount?: RateCountTerms;
}

/** A model queue's jobs as an admitted enqueue counted them, the job it stored included. */
export interface QueueCounts {
  waiting: number;
  open: number;
}

/** What an admitted enqueue did: whether the job is stored, and the request's count when it made one. */
export interface AdmittedEnqueue {
  stored: boolean;
  /** Present when the admission carried a rate count; over the limit, nothing was stored. */
  count?: RateCountReply;
  /** Present when the job was stored and its queue counted (Admission.countQueue). */
  queue?: QueueCounts;
}

type QueueCountsReply = [number?, number?];

interface EnqueueRedis {
  gridllmEnqueue(...args: Array<string | number>): Promise<string>;
  gridllmEnqueueAdmitted(...args: Array<string | number>): Promise<[string, ...QueueCountsReply] | null>;
  gridllmEnqueueAdmittedCounted(
    ...args: Array<string | number>
  ): Promise<[string | null, number, number, number, number, ...QueueCountsReply]>;
}

/** Runs ENQUEUE_JOB on the connection the queues share: the job is stored, placed and signalled at once. */
export class JobEnqueue {
  private readonly redis: EnqueueRedis;

  constructor(connection: RedisConnection) {
    connection.defineCommand('gridllmEnqueue', { numberOfKeys: 5, lua: ENQUEUE_JOB });
    connection.defineCommand('gridllmEnqueueAdmitted', { numberOfKeys: 9, lua: ENQUEUE_ADMITTED });
    connection.defineCommand('gridllmEnqueueAdmittedCounted', {
      numberOfKeys: 11,
      lua: ENQUEUE_ADMITTED_COUNTED,
    });
    this.redis = connection as unknown as EnqueueRedis;
  }

  /** Resolves with the job's fair tag (null under FIFO) once it is in Redis. */
  async add(queue: ModelQueue, data: InferenceJobData, terms: EnqueueTerms): Promise<number | null> {
    const [keys, args] = this.jobArgs(queue, data, terms);
    const tag = await this.redis.gridllmEnqueue(...keys, ...args);
    return tag === '' ? null : Number(tag);
  }

  /**
   * Checks admission (and counts the request, with `admission.rateCount`) and enqueues in one round trip.
   * Not stored: nothing was written but the count; the caller checks the slow way for the exact refusal,
   * or refuses by the count.
   */
  async addIfAdmitted(
    queue: ModelQueue,
    data: InferenceJobData,
    terms: EnqueueTerms,
    admission: Admission,
  ): Promise<AdmittedEnqueue> {
    const [keys, args] = this.jobArgs(queue, data, terms);
    const { keys: queueKeys } = queue;
    keys.push(admission.claimsKey, queueKeys.wait, queueKeys.active, admission.indexKey);
    args.push(
      admission.maxWaiting,
      admission.maxOpen,
      data.model,
      admission.indexSeconds,
      admission.countQueue ? 1 : 0,
    );
    const rate = admission.rateCount;
    if (!rate) {
      const reply = await this.redis.gridllmEnqueueAdmitted(...keys, ...args);
      return reply ? { stored: true, queue: storedCounts(reply[1], reply[2]) } : { stored: false };
    }
    keys.push(rate.hitsKey, rate.blockedKey);
    args.push(rate.windowMs, rate.limit, rate.blockMs);
    const [tag, hits, ttl, blocked, unblockMs, waiting, open] =
      await this.redis.gridllmEnqueueAdmittedCounted(...keys, ...args);
    const count: RateCountReply = [hits, ttl, blocked, unblockMs];
    if (tag === null) return { stored: false, count };
    return { stored: true, count, queue: storedCounts(waiting, open) };
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
        terms.mergedAnswer ? ONE_ANSWER_ENTRY : '',
      ],
    ];
  }
}

/** The queue's counts the script made before storing the job, with the job added; undefined when not made. */
function storedCounts(waiting?: number, open?: number): QueueCounts | undefined {
  return waiting === undefined || open === undefined ? undefined : { waiting: waiting + 1, open: open + 1 };
}
