import { Injectable } from '@nestjs/common';

import { RedisClient } from '@gridllm/redis';

import { PLACEMENT_CLASSES } from './placement-policy';

/** One model's entry on the board: this worker's class for it and how many slots it has free. */
export interface Availability {
  model: string;
  placementClass: number;
  freeSlots: number;
}

/**
 * Which workers have a free slot, per model and placement class: one sorted set per (model, class),
 * member = worker id, score = the epoch ms until which the claim holds. "Is a better worker free?" is a
 * ZRANGEBYSCORE … LIMIT 0 1 per better class: O(log n) in the number of workers, one round trip.
 */
@Injectable()
export class AvailabilityBoard {
  constructor(private readonly client: RedisClient) {}

  /** Replaces the worker's entries for these models (free slots > 0 → listed in its class, else not). */
  async publish(workerId: string, entries: readonly Availability[], ttlMs: number): Promise<void> {
    if (entries.length === 0) return;
    const until = Date.now() + ttlMs;
    const pipeline = this.client.redis.pipeline();
    for (const entry of entries) {
      for (let cls = 0; cls < PLACEMENT_CLASSES; cls++) {
        const key = this.key(entry.model, cls);
        if (cls === entry.placementClass && entry.freeSlots > 0) pipeline.zadd(key, until, workerId);
        else pipeline.zrem(key, workerId);
      }
    }
    await pipeline.exec();
  }

  /** Removes the worker from every class of these models (it stops serving them). */
  async withdraw(workerId: string, models: readonly string[]): Promise<void> {
    const pipeline = this.client.redis.pipeline();
    for (const model of models) {
      for (let cls = 0; cls < PLACEMENT_CLASSES; cls++) pipeline.zrem(this.key(model, cls), workerId);
    }
    await pipeline.exec();
  }

  /** True when a worker of a strictly better class than `placementClass` has a free slot for the model. */
  async betterWorkerFree(model: string, placementClass: number, now = Date.now()): Promise<boolean> {
    if (placementClass === 0) return false;
    const pipeline = this.client.redis.pipeline();
    for (let cls = 0; cls < placementClass; cls++) {
      pipeline.zrangebyscore(this.key(model, cls), now, '+inf', 'LIMIT', 0, 1);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.some(([error, members]) => !error && Array.isArray(members) && members.length > 0);
  }

  /** The board keys of the classes better than `placementClass` (what `betterWorkerFree` reads). */
  keysBetterThan(model: string, placementClass: number): string[] {
    return Array.from({ length: placementClass }, (_, cls) => this.key(model, cls));
  }

  /** True when this worker has a free slot for the model now (listed in any class): one round trip. */
  async isFree(model: string, workerId: string, now = Date.now()): Promise<boolean> {
    const pipeline = this.client.redis.pipeline();
    for (let cls = 0; cls < PLACEMENT_CLASSES; cls++) pipeline.zscore(this.key(model, cls), workerId);
    const replies = (await pipeline.exec()) ?? [];
    return replies.some(([error, score]) => !error && score !== null && Number(score) >= now);
  }

  private key(model: string, placementClass: number): string {
    return this.client.keys.availability(model, placementClass);
  }
}
