import { Injectable } from '@nestjs/common';

import { WorkerInfo } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

import { RegistrationSigner } from './registration-signer';

/** Heartbeats missed before a worker counts as gone. */
export const MISSED_BEATS_BEFORE_GONE = 3;

/** How long a model whose workers all went away answers 503 (a worker may be restarting) instead of 404. */
export const RECENTLY_SERVED_MS = 5 * 60_000;

/** Whether a model can be served now, was served recently (its worker may be restarting), or is unknown. */
export type ModelAvailability = 'served' | 'recently-served' | 'unknown';

/** Records fetched per round trip while looking for one trusted claimant of a model. */
const TRUST_BATCH = 10;

/**
 * The fleet as workers publish it. A worker's key expires 3 heartbeats after its last beat, so
 * existence means alive; per-model sorted sets (scored by claim expiry) answer "who serves X" in O(log n).
 * With WORKER_TOKEN, records are signed on publish and every read skips workers whose signature fails.
 */
@Injectable()
export class WorkerRegistry {
  constructor(
    private readonly client: RedisClient,
    // Built by hand (integration tests), the registry serves an open grid.
    private readonly signer: RegistrationSigner = new RegistrationSigner({ workerToken: undefined }),
  ) {}

  /** Publishes (or refreshes) a worker's record and its model claims. `dropped` are models it no longer serves. */
  async publish(info: WorkerInfo, dropped: readonly string[] = []): Promise<void> {
    const { redis, keys } = this.client;
    const ttlMs = info.heartbeatIntervalMs * MISSED_BEATS_BEFORE_GONE;
    const claimUntil = Date.now() + ttlMs;
    const servable = info.status === 'ready' ? info.models.map((model) => model.name) : [];
    const pipeline = redis.multi();
    pipeline.set(keys.worker(info.id), JSON.stringify(this.signer.sign(info)), 'PX', ttlMs);
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

  /** True when a worker's claim on a model counts only once its record's signature is checked (WORKER_TOKEN). */
  get verifiesClaims(): boolean {
    return this.signer.enforcing;
  }

  /** Served now, served within RECENTLY_SERVED_MS, or unknown: at most two O(log n) lookups. */
  async availability(model: string, now = Date.now()): Promise<ModelAvailability> {
    if (await this.isServed(model, now)) return 'served';
    const key = this.client.keys.modelWorkers(model);
    // Live claims were just found untrusted (WORKER_TOKEN): only expired ones may mean "restarting".
    const recentUntil = this.signer.enforcing ? now : '+inf';
    const [, recent] = (await this.client.redis
      .multi()
      .zremrangebyscore(key, '-inf', now - RECENTLY_SERVED_MS)
      .zrangebyscore(key, now - RECENTLY_SERVED_MS, recentUntil, 'LIMIT', 0, 1)
      .exec()) as [[Error | null, number], [Error | null, string[]]];
    return recent[1]?.length ? 'recently-served' : 'unknown';
  }

  /** Ids of live (and, with WORKER_TOKEN, trusted) workers claiming the model right now. */
  async workerIdsFor(model: string, now = Date.now()): Promise<string[]> {
    const ids = await this.client.redis.zrangebyscore(this.client.keys.modelWorkers(model), now, '+inf');
    if (!this.signer.enforcing || ids.length === 0) return ids;
    return (await this.trustedRecords(ids)).map((info) => info.id);
  }

  /** True when at least one live worker serves the model (O(log n); with WORKER_TOKEN, one more read). */
  async isServed(model: string, now = Date.now()): Promise<boolean> {
    const key = this.client.keys.modelWorkers(model);
    if (!this.signer.enforcing)
      return (await this.client.redis.zrangebyscore(key, now, '+inf', 'LIMIT', 0, 1)).length > 0;
    const ids = await this.client.redis.zrangebyscore(key, now, '+inf');
    // Usually the first claimant is trusted: stop there instead of reading every record.
    for (let start = 0; start < ids.length; start += TRUST_BATCH) {
      if ((await this.trustedRecords(ids.slice(start, start + TRUST_BATCH))).length > 0) return true;
    }
    return false;
  }

  async get(workerId: string): Promise<WorkerInfo | null> {
    const raw = await this.client.redis.get(this.client.keys.worker(workerId));
    return raw ? this.decode(raw) : null;
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
      .map((raw) => (raw === null ? null : this.decode(raw)))
      .filter((info): info is WorkerInfo => info !== null)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  private async trustedRecords(ids: readonly string[]): Promise<WorkerInfo[]> {
    const records = await this.client.redis.mget(ids.map((id) => this.client.keys.worker(id)));
    return records
      .map((raw) => (raw === null ? null : this.decode(raw)))
      .filter((info): info is WorkerInfo => info !== null);
  }

  /** The one place a record is read: null when WORKER_TOKEN is set and its signature fails; the signature stays in Redis. */
  private decode(raw: string): WorkerInfo | null {
    const { signature, ...info } = JSON.parse(raw) as WorkerInfo;
    return this.signer.trusts({ ...info, signature }) ? info : null;
  }
}
