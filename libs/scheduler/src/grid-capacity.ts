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

  /** Throws CapacityExceededError when the grid (MAX_CONCURRENT_JOBS) or the model's queue (MAX_QUEUE_PER_MODEL) is full. */
  async ensureRoom(model: string): Promise<void> {
    const counts = await this.count(model);
    const limits = this.settings;
    if (counts.open >= limits.maxConcurrentJobs) {
      throw new CapacityExceededError(
        `server busy, please try again. ${counts.open} jobs queued or running (MAX_CONCURRENT_JOBS=${limits.maxConcurrentJobs})`,
        RETRY_AFTER_SECONDS,
      );
    }
    if (counts.waitingForModel >= limits.maxQueuePerModel) {
      throw new CapacityExceededError(
        `server busy, please try again. ${counts.waitingForModel} jobs waiting for ${model} (MAX_QUEUE_PER_MODEL=${limits.maxQueuePerModel})`,
        RETRY_AFTER_SECONDS,
      );
    }
  }

  /** Jobs waiting, prioritised, delayed or running, over every model queue. */
  async openJobs(): Promise<number> {
    return (await this.count(null)).open;
  }

  /** One pipelined round trip: open jobs over the grid, and jobs waiting for `model`. */
  private async count(model: string | null): Promise<{ open: number; waitingForModel: number }> {
    const models = [...new Set([...(await this.knownModels()), ...(model ? [model] : [])])];
    // One pipeline per queue (a queue's keys share one hash slot; different queues may not in a Cluster).
    const perQueue = await Promise.all(
      models.map(async (name) => {
        const keys = this.queues.forModel(name).keys;
        const pipeline = this.client.redis.pipeline();
        pipeline.llen(keys.wait).zcard(keys.prioritized).zcard(keys.delayed).llen(keys.active);
        return ((await pipeline.exec()) ?? []).map(([error, count]) => (error ? 0 : Number(count)));
      }),
    );
    const replies = perQueue.flat();
    const open = replies.reduce((sum, count) => sum + count, 0);
    const at = model ? models.indexOf(model) * 4 : -1;
    const waitingForModel = at >= 0 ? replies[at] + replies[at + 1] + replies[at + 2] : 0;
    return { open, waitingForModel };
  }

  private async knownModels(): Promise<string[]> {
    if (Date.now() - this.models.readAt > MODEL_LIST_TTL_MS) {
      this.models = { list: await this.client.redis.smembers(this.client.keys.models()), readAt: Date.now() };
    }
    return this.models.list;
  }
}
