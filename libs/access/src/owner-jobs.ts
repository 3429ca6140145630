import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';

import { RedisClient } from '@gridllm/redis';

/** What admit() decided; `holding` counts the owner's jobs after the decision. */
export interface Admission {
  admitted: boolean;
  holding: number;
}

/**
 * Prune, count and add in one script, so two gateways admitting at once cannot both take the last slot.
 * KEYS[1] = owner's sorted set; ARGV = now ms, limit, job id, until ms. Re-admitting a held job is a no-op.
 * The set expires with its last entry, so an owner that stops sending leaves nothing behind.
 */
const ADMIT_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  return {1, redis.call('ZCARD', KEYS[1])}
end
local holding = redis.call('ZCARD', KEYS[1])
if holding >= tonumber(ARGV[2]) then
  return {0, holding}
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return {1, holding + 1}
`;

type WithAdmit = Redis & {
  gridllmOwnerAdmit(
    key: string,
    now: number,
    limit: number,
    jobId: string,
    until: number,
  ): Promise<[number, number]>;
};

/**
 * Jobs of one owner that are queued or running (a sorted set scored by the ms after which an entry no
 * longer counts). Every entry carries an expiry, so a job whose worker died never holds a slot forever.
 */
@Injectable()
export class OwnerJobs {
  private readonly redis: WithAdmit;

  constructor(private readonly client: RedisClient) {
    client.redis.defineCommand('gridllmOwnerAdmit', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
    this.redis = client.redis as WithAdmit;
  }

  /** Takes one of the owner's `limit` slots for the job until `countsUntilMs`, unless all are taken. */
  async admit(
    ownerId: string,
    jobId: string,
    limit: number,
    countsUntilMs: number,
    now = Date.now(),
  ): Promise<Admission> {
    const key = this.client.keys.ownerJobs(ownerId);
    const until = Math.ceil(countsUntilMs);
    const [admitted, holding] = await this.redis.gridllmOwnerAdmit(key, now, limit, jobId, until);
    return { admitted: admitted === 1, holding };
  }

  /** Frees the job's slot (no-op when it holds none). */
  async release(ownerId: string, jobId: string): Promise<void> {
    await this.client.redis.zrem(this.client.keys.ownerJobs(ownerId), jobId);
  }

  /** How many jobs the owner has queued or running now. */
  async count(ownerId: string, now = Date.now()): Promise<number> {
    return this.client.redis.zcount(this.client.keys.ownerJobs(ownerId), `(${now}`, '+inf');
  }
}
