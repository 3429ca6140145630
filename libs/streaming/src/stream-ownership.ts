import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Redis, { ChainableCommander } from 'ioredis';
import { randomUUID } from 'node:crypto';

import { queueConfig } from '@gridllm/config';
import { StreamEventType } from '@gridllm/contracts';
import { RedisClient, RedisKeys } from '@gridllm/redis';

type QueueSettings = Pick<
  ConfigType<typeof queueConfig>,
  'lockDurationMs' | 'heartbeatIntervalMs' | 'streamMaxEvents'
>;

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
 * whether the job was cancelled. An ended stream is not claimed.
 * Replies {1} ended, {2, holder, cancelled} held by another run, {0, '', cancelled} claimed.
 */
const ENTER_RUN_FUNCTION = `
local function stream_ended(stream, finalType, errorType)
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  if not last then return false end
  local fields = last[2]
  for i = 1, #fields - 1, 2 do
    if fields[i] == 't' and (fields[i + 1] == finalType or fields[i + 1] == errorType) then return true end
  end
  return false
end
local function enter_run(owner, stream, cancel, fence, ttl, takeOver, finalType, errorType)
  if stream_ended(stream, finalType, errorType) then return {1} end
  local cancelled = redis.call('EXISTS', cancel)
  local holder = claim(owner, fence, ttl, takeOver)
  if holder then return {2, holder, cancelled} end
  return {0, '', cancelled}
end`;

/** ENTER_RUN_FUNCTION on its own. KEYS: owner, stream, cancel flag. ARGV: fence, ttl ms, take-over holder, terminal types. */
const ENTER = `${CLAIM_FUNCTION}${ENTER_RUN_FUNCTION}
return enter_run(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])`;

/**
 * Lua for a script that has just taken a job (TAKE_NEXT, standalone Redis only: the keys are built from
 * prefixes, so they must live on the same server): `enter_taken(jobId, attempt, workerId, base, started)`
 * enters the run as ENTER does and, when it is claimed and not cancelled and `started` is true, stores the
 * attempt's `started` event (entry `<attempt>-0`, the fields encodeEventFields gives) so the run can call
 * its engine at once: one round trip from a free slot to the engine call, not three. ARGV from `base`: see
 * runEntryArgs. Replies ENTER's reply plus a fourth element, 1 when `started` was stored (not stored, or a
 * failed XADD, it is left to the run's own appender).
 * Two reads of ENTER are left out where they cannot find anything (issue 15: 2 commands per job):
 * - a first attempt (`attempt` 1) had no earlier run, so nothing ended its stream: BullMQ's reprocessJob, the
 *   one script that resets the attempt count, is never used, and a job cancelled while queued is removed
 *   before its stream is ended;
 * - the fence is fresh and nothing may be taken over, so the claim is one SET NX; the holder is read only
 *   when there is one.
 */
export const ENTER_TAKEN_LUA = `${CLAIM_FUNCTION}${ENTER_RUN_FUNCTION}
local function enter_taken(jobId, attempt, workerId, base, started)
  local owner, stream, cancel = ARGV[base] .. jobId, ARGV[base + 1] .. jobId, ARGV[base + 2] .. jobId
  if attempt > 1 and stream_ended(stream, ARGV[base + 5], ARGV[base + 6]) then return {1} end
  local cancelled = redis.call('EXISTS', cancel)
  if not redis.call('SET', owner, ARGV[base + 3], 'PX', ARGV[base + 4], 'NX') then
    return {2, redis.call('GET', owner), cancelled}
  end
  local entry = {0, '', cancelled, 0}
  if cancelled == 0 and started then
    local stored = redis.pcall('XADD', stream, 'MAXLEN', '~', ARGV[base + 7], attempt .. '-0',
      't', ARGV[base + 8], 'a', attempt, 'd', workerId)
    entry[4] = type(stored) == 'string' and 1 or 0
  end
  return entry
end`;

/** What a take asks of enter_taken for one run: see ENTER_TAKEN_LUA. */
export interface TakenRunEntry {
  state: RunEntryState;
  fence: string;
  /** The attempt's `started` event is already in the stream. */
  startedStored: boolean;
}

/** Extends the key only while it is ours (1), else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

/**
 * Deletes the owner key only while it is ours; with ARGV[2], also lets the job's stream (KEYS[2], same slot
 * group) expire in that many seconds, whoever owns it: a run's end in one round trip, not two.
 */
const RELEASE = `
if ARGV[2] then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
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
  ): Promise<RawEntry>;
  gridllmClaim(key: string, fence: string, ttlMs: number, takeOver: string): Promise<string | null>;
  gridllmRenew(key: string, fence: string, ttlMs: number): Promise<number>;
  gridllmRelease(key: string, stream: string, fence: string, ...expireSeconds: number[]): Promise<number>;
}

interface OwnershipPipeline extends ChainableCommander {
  gridllmRenew(key: string, fence: string, ttlMs: number): OwnershipPipeline;
}

/** What `enter` found: the stream ended, another run holds the job, or this run now owns it. */
export type RunEntryState =
  | { kind: 'ended' }
  | { kind: 'held'; holder: string; cancelled: boolean }
  | { kind: 'claimed'; cancelled: boolean };

type RawEntry = [0 | 1 | 2, string?, number?, number?];

function entryState([state, holder = '', cancelled = 0]: RawEntry): RunEntryState {
  if (state === 1) return { kind: 'ended' };
  return state === 2
    ? { kind: 'held', holder, cancelled: cancelled === 1 }
    : { kind: 'claimed', cancelled: cancelled === 1 };
}

/** A fresh fence for one run on `workerId`: `<workerId>/<uuid>`. */
export function newRunFence(workerId: string): string {
  return `${workerId}/${randomUUID()}`;
}

/**
 * ARGV for enter_taken (ENTER_TAKEN_LUA), in its order: the key prefixes of a job's owner, stream and cancel
 * flag, the run's fence, the owner key's ttl, the terminal event types, the stream's MAXLEN, `started`.
 */
export function runEntryArgs(keys: RedisKeys, fence: string, queue: QueueSettings): string[] {
  return [
    keys.jobOwner(''),
    keys.jobStream(''),
    keys.jobCancel(''),
    fence,
    String(StreamOwnership.ttlMs(queue)),
    StreamEventType.Final,
    StreamEventType.Error,
    String(queue.streamMaxEvents),
    StreamEventType.Started,
  ];
}

/** enter_taken's reply for the run holding `fence`. */
export function decodeTakenEntry(raw: RawEntry, fence: string): TakenRunEntry {
  return { state: entryState(raw), fence, startedStored: raw[3] === 1 };
}

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
    client.redis.defineCommand('gridllmRelease', { numberOfKeys: 2, lua: RELEASE });
    this.redis = client.redis as OwnershipRedis;
  }

  /** A fresh fence for one run on `workerId`. */
  newFence(workerId: string): string {
    return newRunFence(workerId);
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
    const reply = await this.redis.gridllmEnter(
      keys.jobOwner(jobId),
      keys.jobStream(jobId),
      keys.jobCancel(jobId),
      fence,
      this.ttlMs,
      takeOver,
      StreamEventType.Final,
      StreamEventType.Error,
    );
    return entryState(reply);
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

  /** Gives the job up; with `expireStreamSeconds` its stream also starts to expire (see RELEASE). */
  async release(jobId: string, fence: string, expireStreamSeconds?: number): Promise<void> {
    const { keys } = this.client;
    const expiry = expireStreamSeconds === undefined ? [] : [expireStreamSeconds];
    await this.redis.gridllmRelease(keys.jobOwner(jobId), keys.jobStream(jobId), fence, ...expiry);
  }

  /** The worker id inside a fence (`<workerId>/<uuid>`). */
  static workerOf(fence: string): string {
    return fence.slice(0, fence.lastIndexOf('/'));
  }

  /**
   * How long an owner key outlives its last renewal (every half lock): at least two locks, and at least as
   * long as its worker counts as alive (3 heartbeats), so a waiting worker decides by the owner's liveness.
   */
  static ttlMs({ lockDurationMs, heartbeatIntervalMs }: QueueSettings): number {
    return Math.max(2 * lockDurationMs, 3 * heartbeatIntervalMs + lockDurationMs);
  }

  private get ttlMs(): number {
    return StreamOwnership.ttlMs(this.queue);
  }
}
