import { BULLMQ_PRIORITY, InferenceJobData } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';

import { ENQUEUE_JOB } from './enqueue-job.lua';
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

interface EnqueueRedis {
  gridllmEnqueue(...args: Array<string | number>): Promise<string>;
}

/** Runs ENQUEUE_JOB on the connection the queues share: the job is stored, placed and signalled at once. */
export class JobEnqueue {
  private readonly redis: EnqueueRedis;

  constructor(connection: RedisConnection) {
    connection.defineCommand('gridllmEnqueue', { numberOfKeys: 6, lua: ENQUEUE_JOB });
    this.redis = connection as unknown as EnqueueRedis;
  }

  /** Resolves with the job's fair tag (null under FIFO) once it is in Redis. */
  async add(queue: ModelQueue, data: InferenceJobData, terms: EnqueueTerms): Promise<number | null> {
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
    const tag = await this.redis.gridllmEnqueue(
      queue.toKey(data.id),
      queue.keys.prioritized,
      queue.keys.marker,
      queue.keys.pc,
      queue.toKey(FAIR_STATE_SUFFIX),
      terms.hintsKey,
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
    );
    return tag === '' ? null : Number(tag);
  }
}
