import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { redisConfig } from '@gridllm/config';
import { RedisClient } from '@gridllm/redis';

import { queueNameFor } from '../queue-names';

/** An unclaimed hint (its job was cancelled while waiting) lasts at most this long once the queue is idle. */
export const PREFERENCE_HINTS_TTL_MS = 10 * 60_000;

/**
 * Which waiting jobs prefer which worker: one hash per model queue (job id → worker id), beside the
 * queue's BullMQ keys (same Cluster slot). The gateway writes a job's hint as it enqueues it (ENQUEUE_JOB);
 * a worker's take reads the head job's hint and removes it with the job (TAKE_NEXT).
 */
@Injectable()
export class JobPreference {
  constructor(
    private readonly client: RedisClient,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
  ) {}

  /** The model queue's hints hash. */
  hintsKey(model: string): string {
    return `${this.redis.prefix}:${queueNameFor(model, this.client.keys.clustered)}:gridllm-preferred`;
  }
}
