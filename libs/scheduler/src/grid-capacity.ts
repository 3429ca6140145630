import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { CapacityExceededError } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

import { QueueRegistry } from './queue-registry';

const RETRY_AFTER_SECONDS = 2;
/** The model list only grows when a job for a new model arrives; re-reading it once a second is plenty. */
const MODEL_LIST_TTL_MS = 1000;

/**
 * MAX_CONCURRENT_JOBS: queued plus running jobs over the whole grid. Counted with one pipelined round
 * trip over every model queue's lists (LLEN / ZCARD), not BullMQ's per-queue count scripts.
 */
@Injectable()
export class GridCapacity {
  private models: { list: string[]; readAt: number } = { list: [], readAt: 0 };

  constructor(
    private readonly queues: QueueRegistry,
    private readonly client: RedisClient,
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
  ) {}

  async ensureRoom(): Promise<void> {
    const open = await this.openJobs();
    if (open >= this.settings.maxConcurrentJobs) {
      throw new CapacityExceededError(
        `server busy, please try again. ${open} jobs queued or running (MAX_CONCURRENT_JOBS=${this.settings.maxConcurrentJobs})`,
        RETRY_AFTER_SECONDS,
      );
    }
  }

  /** Jobs waiting, prioritised, delayed or running, over every model queue. */
  async openJobs(): Promise<number> {
    const models = await this.knownModels();
    if (models.length === 0) return 0;
    const pipeline = this.client.redis.pipeline();
    for (const model of models) {
      const keys = this.queues.forModel(model).keys;
      pipeline.llen(keys.wait).zcard(keys.prioritized).zcard(keys.delayed).llen(keys.active);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [error, count]) => sum + (error ? 0 : Number(count)), 0);
  }

  private async knownModels(): Promise<string[]> {
    if (Date.now() - this.models.readAt > MODEL_LIST_TTL_MS) {
      this.models = { list: await this.client.redis.smembers(this.client.keys.models()), readAt: Date.now() };
    }
    return this.models.list;
  }
}
