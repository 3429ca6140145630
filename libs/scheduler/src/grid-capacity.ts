import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { CapacityExceededError } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

import type { AdmittedEnqueue } from './job-enqueue';
import { QueueCountReuse, nearLimitOf } from './queue-count-reuse';
import { QueueRegistry } from './queue-registry';

const RETRY_AFTER_SECONDS = 2;
/** The model list only grows when a job for a new model arrives; re-reading it once a second is plenty. */
const MODEL_LIST_TTL_MS = 1000;
/** How long the other models' open jobs are reused while the grid is far from MAX_CONCURRENT_JOBS. */
const OTHERS_TTL_MS = 250;

/**
 * MAX_CONCURRENT_JOBS: queued plus running jobs over the whole grid. Counted with one pipelined round
 * trip over every model queue's lists (LLEN / ZCARD), not BullMQ's per-queue count scripts.
 */
@Injectable()
export class GridCapacity {
  private models: { list: string[]; readAt: number } = { list: [], readAt: 0 };
  /** Open jobs of every model but one, as last counted (see count). */
  private others: { except: string; open: number; readAt: number } | null = null;
  /** The enqueue script's counts of each model's own queue, reused as long as they are (see mustCountQueue). */
  private readonly ownCounts = new QueueCountReuse(OTHERS_TTL_MS);

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

  /**
   * For a check made inside the enqueue script (JobEnqueue.addIfAdmitted): how many open jobs `model` may
   * have while the grid stays far from MAX_CONCURRENT_JOBS, going by the other queues' recent count. Null
   * when that count is missing or stale: then ensureRoom must count.
   */
  openAllowance(model: string): { maxOpen: number; maxWaiting: number } | null {
    const cached = this.others;
    if (cached?.except !== model || Date.now() - cached.readAt >= OTHERS_TTL_MS) return null;
    return {
      maxOpen: this.settings.maxConcurrentJobs - this.nearLimit - cached.open,
      maxWaiting: this.settings.maxQueuePerModel,
    };
  }

  /**
   * Whether an enqueue that checks `allowance` in the script must count the model's own queue too (three
   * commands), or may go by this gateway's recent count (QueueCountReuse). Each call must be followed by
   * `queueCounted` with what it was told and what the enqueue did.
   */
  mustCountQueue(model: string, allowance: { maxOpen: number; maxWaiting: number }): boolean {
    return this.ownCounts.mustCount(model, allowance.maxOpen, allowance.maxWaiting);
  }

  /** What an enqueue that asked `mustCountQueue` did; `outcome` is null when it failed. */
  queueCounted(model: string, mustCounted: boolean, outcome: AdmittedEnqueue | null): void {
    this.ownCounts.settle(model, mustCounted, outcome);
  }

  /** Jobs waiting, prioritised, delayed or running, over every model queue. */
  async openJobs(): Promise<number> {
    return (await this.count(null)).open;
  }

  /**
   * One pipelined round trip: open jobs over the grid, and jobs waiting for `model`. The model's own queue is
   * always counted afresh; the other queues (4 commands each, every model the grid ever served) are reused
   * for OTHERS_TTL_MS while the grid is far from MAX_CONCURRENT_JOBS, and counted afresh near it, so the
   * limit stays as exact as before where it matters and a submit costs 4 commands, not 4 per model.
   */
  private async count(model: string | null): Promise<{ open: number; waitingForModel: number }> {
    const known = await this.knownModels();
    const cached = this.others;
    if (model && cached?.except === model && Date.now() - cached.readAt < OTHERS_TTL_MS) {
      const [own] = await this.countQueues([model]);
      const open = cached.open + sum(own);
      if (this.settings.maxConcurrentJobs - open > this.nearLimit)
        return { open, waitingForModel: waiting(own) };
    }
    const models = [...new Set([...known, ...(model ? [model] : [])])];
    const perQueue = await this.countQueues(models);
    const open = perQueue.reduce((total, counts) => total + sum(counts), 0);
    const own = model ? perQueue[models.indexOf(model)] : undefined;
    if (model && own) this.others = { except: model, open: open - sum(own), readAt: Date.now() };
    return { open, waitingForModel: own ? waiting(own) : 0 };
  }

  /** Per queue: [wait, prioritized, delayed, active]. One pipeline per queue (a queue's keys share one hash slot). */
  private countQueues(models: readonly string[]): Promise<number[][]> {
    return Promise.all(
      models.map(async (name) => {
        const keys = this.queues.forModel(name).keys;
        const pipeline = this.client.redis.pipeline();
        pipeline.llen(keys.wait).zcard(keys.prioritized).zcard(keys.delayed).llen(keys.active);
        return ((await pipeline.exec()) ?? []).map(([error, count]) => (error ? 0 : Number(count)));
      }),
    );
  }

  private get nearLimit(): number {
    return nearLimitOf(this.settings.maxConcurrentJobs);
  }

  private async knownModels(): Promise<string[]> {
    if (Date.now() - this.models.readAt > MODEL_LIST_TTL_MS) {
      this.models = { list: await this.client.redis.smembers(this.client.keys.models()), readAt: Date.now() };
    }
    return this.models.list;
  }
}

const sum = (counts: readonly number[]) => counts.reduce((total, count) => total + count, 0);
const waiting = ([wait, prioritized, delayed]: readonly number[]) => wait + prioritized + delayed;
