import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig, queueConfig } from '@gridllm/config';
import { RedisClient } from '@gridllm/redis';

import { JobSchedulerService } from './job-scheduler.service';

/** BullMQ scores prioritised jobs as priority × 2^32 + insertion counter. */
const BAND = 0x100000000;
const LOWEST_PRIORITY = 3;
/** Oldest jobs looked at per model and priority band on each sweep. */
const SWEEP_LIMIT = 100;

/**
 * Aging, so a low-priority job still runs under sustained high-priority load: after waiting
 * PRIORITY_AGING_MS a job is treated as at least medium, after twice that as high. One gateway sweeps
 * per tick (a short Redis lock); each sweep reads only the oldest jobs of each band (O(log n) + limit).
 */
@Injectable()
export class PriorityAging implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PriorityAging.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly client: RedisClient,
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
  ) {}

  onModuleInit(): void {
    const every = Math.max(200, Math.floor(this.settings.priorityAgingMs / 4));
    this.timer = setInterval(() => void this.sweep(every), every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(lockMs: number): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const lock = await this.client.redis.set(
        `${this.client.keys.prefix}:aging-lock`,
        this.gateway.serverId,
        'PX',
        lockMs,
        'NX',
      );
      if (lock !== 'OK') return 0;
      let promoted = 0;
      for (const model of await this.scheduler.knownModels()) promoted += await this.ageModel(model);
      return promoted;
    } catch (error) {
      this.logger.warn(`priority aging failed: ${(error as Error).message}`);
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  private async ageModel(model: string): Promise<number> {
    const queue = this.scheduler.queueFor(model);
    let promoted = 0;
    for (let priority = LOWEST_PRIORITY; priority > 1; priority--) {
      const ids = await this.client.redis.zrangebyscore(
        queue.keys.prioritized,
        priority * BAND,
        (priority + 1) * BAND - 1,
        'LIMIT',
        0,
        SWEEP_LIMIT,
      );
      const stamps = ids.length ? await this.timestamps(queue.toKey.bind(queue), ids) : [];
      for (const [index, id] of ids.entries()) {
        const target = agedPriority(priority, Date.now() - stamps[index], this.settings.priorityAgingMs);
        if (target >= priority) continue;
        const job = await queue.getJob(id);
        await job?.changePriority({ priority: target }).catch(() => undefined); // it may have just started
        promoted += 1;
      }
    }
    return promoted;
  }

  private async timestamps(toKey: (id: string) => string, ids: string[]): Promise<number[]> {
    const pipeline = this.client.redis.pipeline();
    for (const id of ids) pipeline.hget(toKey(id), 'timestamp');
    return ((await pipeline.exec()) ?? []).map(([, value]) => Number(value) || Date.now());
  }
}

/** The priority a job deserves after waiting `ageMs`: at most 3 − ⌊age / agingMs⌋, never below high (1). */
export function agedPriority(current: number, ageMs: number, agingMs: number): number {
  return Math.min(current, Math.max(1, LOWEST_PRIORITY - Math.floor(ageMs / agingMs)));
}
