import { Injectable } from '@nestjs/common';

import { WorkerInfo } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

/** Heartbeats missed before a worker counts as gone. */
export const MISSED_BEATS_BEFORE_GONE = 3;

/** How long a model whose workers all went away answers 503 (a worker may be restarting) instead of 404. */
export const RECENTLY_SERVED_MS = 5 * 60_000;

/** Whether a model can be served now, was served recently (its worker may be restarting), or is unknown. */
export type ModelAvailability = 'served' | 'recently-served' | 'unknown';

/**
 * The fleet as workers publish it. A worker's key expires 3 heartbeats after its last beat, so
 * existence means alive; per-model sorted sets (scored by claim expiry) answer "who serves X" in O(log n).
 */
@Injectable()
export class WorkerRegistry {
  constructor(private readonly client: RedisClient) {}

  /** Publishes (or refreshes) a worker's record and its model claims. `dropped` are models it no longer serves. */
  async publish(info: WorkerInfo, dropped: readonly string[] = []): Promise<void> {
    const { redis, keys } = this.client;
    const ttlMs = info.heartbeatIntervalMs * MISSED_BEATS_BEFORE_GONE;
    const claimUntil = Date.now() + ttlMs;
    const servable = info.status === 'ready' ? info.models.map((model) => model.name) : [];
    const pipeline = redis.multi();
    pipeline.set(keys.worker(info.id), JSON.stringify(info), 'PX', ttlMs);
    pipeline.sadd(keys.workers(), info.id);
    for (const model of servable) {
      pipeline.zadd(keys.modelWorkers(model), claimUntil, info.id);
      pipeline.sadd(keys.models(), model);
    }
    const notServable = info.status === 'ready' ? dropped : [...dropped, ...info.models.map((m) => m.name)];
    // Expire the claim but keep it as "recently served" instead of deleting it.
    for (const model of notServable) pipeline.zadd(keys.modelWorkers(model), 'XX', Date.now(), info.id);
    await pipeline.exec();
  }

  /** Removes a worker at once (clean shutdown), so no new job is routed to it. */
  async remove(workerId: string, models: readonly string[]): Promise<void> {
    const { redis, keys } = this.client;
    const pipeline = redis.multi().del(keys.worker(workerId)).srem(keys.workers(), workerId);
    for (const model of models) pipeline.zadd(keys.modelWorkers(model), 'XX', Date.now(), workerId);
    await pipeline.exec();
  }

  /** Served now, served within RECENTLY_SERVED_MS, or unknown: at most two O(log n) lookups. */
  async availability(model: string, now = Date.now()): Promise<ModelAvailability> {
    if (await this.isServed(model, now)) return 'served';
    const key = this.client.keys.modelWorkers(model);
    const [, recent] = (await this.client.redis
      .multi()
      .zremrangebyscore(key, '-inf', now - RECENTLY_SERVED_MS)
      .zrangebyscore(key, now - RECENTLY_SERVED_MS, '+inf', 'LIMIT', 0, 1)
      .exec()) as [[Error | null, number], [Error | null, string[]]];
    return recent[1]?.length ? 'recently-served' : 'unknown';
  }

  /** Ids of live workers claiming the model right now. */
  async workerIdsFor(model: string, now = Date.now()): Promise<string[]> {
    return this.client.redis.zrangebyscore(this.client.keys.modelWorkers(model), now, '+inf');
  }

  /** True when at least one live worker serves the model (O(log n)). */
  async isServed(model: string, now = Date.now()): Promise<boolean> {
    const ids = await this.client.redis.zrangebyscore(
      this.client.keys.modelWorkers(model),
      now,
      '+inf',
      'LIMIT',
      0,
      1,
    );
    return ids.length > 0;
  }

  async get(workerId: string): Promise<WorkerInfo | null> {
    const raw = await this.client.redis.get(this.client.keys.worker(workerId));
    return raw ? (JSON.parse(raw) as WorkerInfo) : null;
  }

  /** Every live worker; ids whose record expired are pruned from the index as a side effect. */
  async liveWorkers(): Promise<WorkerInfo[]> {
    const { redis, keys } = this.client;
    const ids = await redis.smembers(keys.workers());
    if (ids.length === 0) return [];
    const records = await redis.mget(ids.map((id) => keys.worker(id)));
    const gone = ids.filter((_, index) => records[index] === null);
    if (gone.length > 0) await redis.srem(keys.workers(), ...gone);
    return records
      .filter((raw): raw is string => raw !== null)
      .map((raw) => JSON.parse(raw) as WorkerInfo)
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
