import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, redisConfig } from '@gridllm/config';
import { InferenceJobData } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

import { ANONYMOUS_OWNER, FAIR_STATE_SUFFIX } from './fair-share';
import { queueNameFor } from './queue-names';

/** What a finished job's tokens cost on the fair-share counter (the same weights as the charge at submit). */
export interface UsedTokens {
  promptTokens: number;
  completionTokens: number;
}

/**
 * Worker side of fair share: when a job ends, its owner's counter is corrected from the estimate charged
 * at submit to what the engine really counted, so the next jobs of a key that writes long answers wait
 * accordingly. One HINCRBYFLOAT in the queue's slot.
 */
@Injectable()
export class FairShareSettlement {
  constructor(
    private readonly client: RedisClient,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  async settle(data: InferenceJobData, used: UsedTokens): Promise<void> {
    if (!data.fairShare || !this.queue.fairShare.enabled) return;
    const { promptWeight, completionWeight } = this.queue.fairShare;
    const weighted = used.promptTokens * promptWeight + used.completionTokens * completionWeight;
    const delta = Math.max(1, weighted) / data.fairShare.weight - data.fairShare.cost;
    if (delta === 0) return;
    const name = queueNameFor(data.model, this.client.keys.clustered);
    const key = `${this.redis.prefix}:${name}:${FAIR_STATE_SUFFIX}`;
    await this.client.redis.hincrbyfloat(key, `f:${data.ownerId ?? ANONYMOUS_OWNER}`, delta);
  }
}
