import { Injectable } from '@nestjs/common';

import { JobAffinity } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

/**
 * A checkpoint value: `<worker>` while one worker served it; `+<k>:<worker>` once it changed hands k times
 * (capped at 9) — `<worker>` the latest. Shared: the first character is `+`.
 */
const PARSE = `
local function parse(value)
  local changes, worker = string.match(value, '^%+(%d):(.*)$')
  if changes then return tonumber(changes), worker end
  return 0, value
end
`;

/**
 * Hand changes up to which a checkpoint counts as one conversation's that moved between workers (its
 * latest worker holds the most of it); beyond, as a prefix many requests start with (a system prompt).
 */
export const MOVES_OF_ONE_CHAT = 2;

/**
 * Binary searches over a prompt's checkpoint keys (see checkpointBlocks), O(log n) GETs in one round
 * trip: the deepest checkpoint some worker served recently, then the deepest common one (changed hands
 * more than ARGV[1] times). Checkpoints are written as whole chains, so a present (or common) one has its
 * predecessors present (or common) too. KEYS: the checkpoint keys in order. Returns {depth, worker,
 * commonDepth, pttl of the deepest}, or {0}.
 */
const LONGEST_PREFIX = `${PARSE}
local function search(lo, hi, accept)
  while lo < hi do
    local mid = math.floor((lo + hi + 1) / 2)
    if accept(redis.call('GET', KEYS[mid])) then lo = mid else hi = mid - 1 end
  end
  return lo
end
local depth = search(0, #KEYS, function(value) return value ~= false end)
if depth == 0 then return {0} end
local _, worker = parse(redis.call('GET', KEYS[depth]))
local common = search(0, depth, function(v) return v and parse(v) > tonumber(ARGV[1]) end)
return {depth, worker, common, redis.call('PTTL', KEYS[depth])}
`;

/** Records the worker for each checkpoint key, counting how often each changed hands. KEYS: checkpoint keys; ARGV: worker id, ttl ms. */
const REMEMBER = `${PARSE}
for _, key in ipairs(KEYS) do
  local old = redis.call('GET', key)
  local value = ARGV[1]
  if old then
    local changes, holder = parse(old)
    if holder ~= value then changes = math.min(changes + 1, 9) end
    if changes > 0 then value = '+' .. changes .. ':' .. value end
  end
  redis.call('SET', key, value, 'PX', ARGV[2])
end
return #KEYS
`;

/**
 * Deletes the checkpoints whose latest worker is ARGV[1] (its engine evicted that prompt's cache, see
 * ResidentPrefixes); one another worker served since stays. KEYS: checkpoint keys.
 */
const FORGET = `${PARSE}
local forgotten = 0
for _, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if value then
    local _, holder = parse(value)
    if holder == ARGV[1] then
      redis.call('DEL', key)
      forgotten = forgotten + 1
    end
  end
end
return forgotten
`;

/** The worker that served the deepest checkpoint of a prompt, and how much of that is common to many. */
export interface PrefixMatch {
  /** Checkpoints matched (1-based count into the prompt's checkpoints). */
  depth: number;
  /** The latest worker to serve the deepest one. */
  workerId: string;
  /** Leading checkpoints that changed hands more than MOVES_OF_ONE_CHAT times: no worker stands out for these. */
  commonDepth: number;
  /** Epoch ms left until the deepest checkpoint expires (it was written PREFIX_AFFINITY_TTL before that). */
  expiresAt: number;
}

/** Which worker served which prompt prefix and session recently, shared by every gateway (Redis, expiring). */
@Injectable()
export class AffinityStore {
  constructor(private readonly client: RedisClient) {
    this.client.redis.defineCommand('gridllmLongestPrefix', { lua: LONGEST_PREFIX });
    this.client.redis.defineCommand('gridllmRememberPrefix', { lua: REMEMBER });
    this.client.redis.defineCommand('gridllmForgetPrefix', { lua: FORGET });
  }

  /**
   * The session's worker and the prefix match of the checkpoint hashes, in one round trip (the
   * session GET and the search script are pipelined).
   */
  async lookup(
    model: string,
    checkpoints: readonly string[],
    session: string | undefined,
  ): Promise<{ session: string | null; prefix: PrefixMatch | null }> {
    const pipeline = this.client.redis.pipeline();
    if (session) pipeline.get(this.client.keys.session(session));
    if (checkpoints.length > 0) {
      const keys = checkpoints.map((hash) => this.client.keys.prefixBlock(model, hash));
      (pipeline as unknown as PrefixCommands).gridllmLongestPrefix(keys.length, ...keys, MOVES_OF_ONE_CHAT);
    }
    const replies = (await pipeline.exec()) ?? [];
    const reply = (index: number) => {
      const [error, value] = replies[index] ?? [];
      if (error) throw error;
      return value;
    };
    const sessionWorker = session ? ((reply(0) as string | null) ?? null) : null;
    const found = (checkpoints.length > 0 ? reply(session ? 1 : 0) : [0]) as number[];
    const [depth, workerId, commonDepth = 0, pttl = 0] = found as [number, string, ...number[]];
    const expiresAt = Date.now() + pttl;
    const prefix = depth > 0 && workerId ? { depth, workerId, commonDepth, expiresAt } : null;
    return { session: sessionWorker, prefix };
  }

  /**
   * Remembers `workerId` for the job's prefix checkpoints and session until `ttlMs` from now, and forgets
   * it for the `evicted` checkpoints (a prompt its engine no longer holds): one round trip.
   */
  async remember(
    model: string,
    affinity: JobAffinity,
    workerId: string,
    ttlMs: number,
    evicted: readonly string[] = [],
  ): Promise<void> {
    const pipeline = this.client.redis.pipeline();
    const forgotten = evicted.map((hash) => this.client.keys.prefixBlock(model, hash));
    if (forgotten.length > 0)
      (pipeline as unknown as PrefixCommands).gridllmForgetPrefix(forgotten.length, ...forgotten, workerId);
    const keys = (affinity.prefix ?? []).map((hash) => this.client.keys.prefixBlock(model, hash));
    if (keys.length > 0)
      (pipeline as unknown as PrefixCommands).gridllmRememberPrefix(keys.length, ...keys, workerId, ttlMs);
    if (affinity.session) pipeline.set(this.client.keys.session(affinity.session), workerId, 'PX', ttlMs);
    if (pipeline.length > 0) await pipeline.exec();
  }
}

interface PrefixCommands {
  gridllmLongestPrefix(numKeys: number, ...args: Array<string | number>): unknown;
  gridllmRememberPrefix(numKeys: number, ...args: Array<string | number>): unknown;
  gridllmForgetPrefix(numKeys: number, ...args: Array<string | number>): unknown;
}
