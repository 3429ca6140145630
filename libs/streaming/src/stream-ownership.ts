import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Redis, { ChainableCommander } from 'ioredis';
import { randomUUID } from 'node:crypto';

import { queueConfig } from '@gridllm/config';
import { StreamEventType } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

/** Takes the key when it is free, already ours or `takeOver`'s; otherwise answers the current holder. */
const CLAIM_FUNCTION = `
local function claim(key, fence, ttl, takeOver)
  local holder = redis.call('GET', key)
  if holder and holder ~= fence and holder ~= takeOver then return holder end
  redis.call('SET', key, fence, 'PX', ttl)
  return false
end`;

/** CLAIM_FUNCTION on its own. KEYS: owner. ARGV: fence, ttl ms, take-over holder. */
const CLAIM = `${CLAIM_FUNCTION}
return claim(KEYS[1], ARGV[1], ARGV[2], ARGV[3])`;

/**
 * CLAIM, and in the same trip what a run needs to know before it starts (issue 15: one round trip, not
 * three): whether the job's stream already ended (its last entry is terminal: an earlier run answered) and
 * whether the job was cancelled. An ended stream is not claimed. KEYS: owner, stream, cancel flag.
 * ARGV: fence, ttl ms, take-over holder, then the terminal event types.
 * Replies {1} ended, {2, holder, cancelled} held by another run, {0, '', cancelled} claimed.
 */
const ENTER = `${CLAIM_FUNCTION}
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
if last then
  local fields = last[2]
  for i = 1, #fields - 1, 2 do
    if fields[i] == 't' and (fields[i + 1] == ARGV[4] or fields[i + 1] == ARGV[5]) then return {1} end
  end
end
local cancelled = redis.call('EXISTS', KEYS[3])
local holder = claim(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if holder then return {2, holder, cancelled} end
return {0, '', cancelled}`;

/** Extends the key only while it is ours (1), else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

/** Deletes the key only while it is ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface OwnershipRedis extends Redis {
  gridllmEnter(
    owner: string,
    stream: string,
    cancel: string,
    fence: string,
    ttlMs: number,
    takeOver: string,
    ...terminalTypes: string[]
  ): Promise<[0 | 1 | 2, string?, number?]>;
  gridllmClaim(key: string, fence: string, ttlMs: number, takeOver: string): Promise<string | null>;
  gridllmRenew(key: string, fence: string, ttlMs: number): Promise<number>;
  gridllmRelease(key: string, fence: string): Promise<number>;
}

interface OwnershipPipeline extends ChainableCommander {
  gridllmRenew(key: string, fence: string, ttlMs: number): OwnershipPipeline;
}

/** What `enter` found: the stream ended, another run holds the job, or this run now owns it. */
export type RunEntryState =
  | { kind: 'ended' }
  | { kind: 'held'; holder: string; cancelled: boolean }
  | { kind: 'claimed'; cancelled: boolean };

/**
 * Who may write a job's token stream: one owner key per running job, holding `<workerId>/<uuid>` of
 * the run that has it, renewed with the job's lock. BullMQ hands a job whose lock lapsed (an event loop
 * stall, a slow Redis) to the next worker; this key tells that worker the first run is still alive,
 * and fences the first run's writes once it is not (see TokenStreamWriter).
 */
@Injectable()
export class StreamOwnership {
  private readonly redis: OwnershipRedis;

  constructor(
    private readonly client: RedisClient,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {
    client.redis.defineCommand('gridllmEnter', { numberOfKeys: 3, lua: ENTER });
    client.redis.defineCommand('gridllmClaim', { numberOfKeys: 1, lua: CLAIM });
    client.redis.defineCommand('gridllmRenew', { numberOfKeys: 1, lua: RENEW });
    client.redis.defineCommand('gridllmRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = client.redis as OwnershipRedis;
  }

  /** A fresh fence for one run on `workerId`. */
  newFence(workerId: string): string {
    return `${workerId}/${randomUUID()}`;
  }

  /**
   * Makes `fence` the job's owner unless another run holds it; `takeOver` names a holder that may be
   * replaced (one whose worker is known dead). Returns null when claimed, else the current holder.
   */
  async claim(jobId: string, fence: string, takeOver = ''): Promise<string | null> {
    return this.redis.gridllmClaim(this.client.keys.jobOwner(jobId), fence, this.ttlMs, takeOver);
  }

  /**
   * `claim` for a run about to start, which also learns whether the job's stream has ended (then nothing is
   * claimed) and whether the job was cancelled.
   */
  async enter(jobId: string, fence: string, takeOver = ''): Promise<RunEntryState> {
    const { keys } = this.client;
    const [state, holder = '', cancelled = 0] = await this.redis.gridllmEnter(
      keys.jobOwner(jobId),
      keys.jobStream(jobId),
      keys.jobCancel(jobId),
      fence,
      this.ttlMs,
      takeOver,
      StreamEventType.Final,
      StreamEventType.Error,
    );
    if (state === 1) return { kind: 'ended' };
    return state === 2
      ? { kind: 'held', holder, cancelled: cancelled === 1 }
      : { kind: 'claimed', cancelled: cancelled === 1 };
  }

  /** Renews every given run's key in one round trip; returns the job ids whose key is no longer theirs. */
  async renew(runs: ReadonlyArray<{ jobId: string; fence: string }>): Promise<string[]> {
    if (runs.length === 0) return [];
    if (this.client.keys.clustered) {
      // A Cluster pipeline must stay on one node, and the runs' keys are spread over the shards.
      const renewed = await Promise.all(
        runs.map(({ jobId, fence }) =>
          this.redis.gridllmRenew(this.client.keys.jobOwner(jobId), fence, this.ttlMs),
        ),
      );
      return runs.filter((_, index) => renewed[index] !== 1).map((run) => run.jobId);
    }
    const pipeline = this.redis.pipeline() as OwnershipPipeline;
    for (const { jobId, fence } of runs)
      pipeline.gridllmRenew(this.client.keys.jobOwner(jobId), fence, this.ttlMs);
    const replies = (await pipeline.exec()) ?? [];
    return runs.filter((_, index) => replies[index]?.[1] !== 1).map((run) => run.jobId);
  }

  async release(jobId: string, fence: string): Promise<void> {
    await this.redis.gridllmRelease(this.client.keys.jobOwner(jobId), fence);
  }

  /** The worker id inside a fence (`<workerId>/<uuid>`). */
  static workerOf(fence: string): string {
    return fence.slice(0, fence.lastIndexOf('/'));
  }

  /**
   * How long an owner key outlives its last renewal (every half lock): at least two locks, and at least as
   * long as its worker counts as alive (3 heartbeats), so a waiting worker decides by the owner's liveness.
   */
  private get ttlMs(): number {
    const { lockDurationMs, heartbeatIntervalMs } = this.queue;
    return Math.max(2 * lockDurationMs, 3 * heartbeatIntervalMs + lockDurationMs);
  }
}
