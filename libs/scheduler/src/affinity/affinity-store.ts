import { Injectable } from '@nestjs/common';

import { JobAffinity } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

/** Marks a checkpoint that more than one worker served recently (value `+<latest worker>`). */
const SHARED = '+';

/**
 * Binary searches over a prompt's checkpoint keys (see checkpointBlocks), O(log n) GETs in one round
 * trip: the deepest checkpoint some worker served recently, then the deepest one several workers served.
 * Checkpoints are written as whole chains, so a present (or shared) one has its predecessors present (or
 * shared) too. KEYS: the checkpoint keys in order. Returns {depth, worker, sharedDepth}; depth 0: no match.
 */
const LONGEST_PREFIX = `
local function search(lo, hi, accept)
  while lo < hi do
    local mid = math.floor((lo + hi + 1) / 2)
    if accept(redis.call('GET', KEYS[mid])) then lo = mid else hi = mid - 1 end
  end
  return lo
end
local depth = search(0, #KEYS, function(value) return value ~= false end)
if depth == 0 then return {0} end
local value = redis.call('GET', KEYS[depth])
local shared = search(0, depth, function(v) return v and string.sub(v, 1, 1) == '${SHARED}' end)
if string.sub(value, 1, 1) == '${SHARED}' then value = string.sub(value, 2) end
return {depth, value, shared}
`;

/**
 * Records the worker for each checkpoint key; one that another worker served too becomes shared (and
 * stays so while it is refreshed). KEYS: checkpoint keys; ARGV: worker id, ttl ms.
 */
const REMEMBER = `
for _, key in ipairs(KEYS) do
  local old = redis.call('GET', key)
  local value = ARGV[1]
  if old and old ~= value then value = '${SHARED}' .. value end
  redis.call('SET', key, value, 'PX', ARGV[2])
end
return #KEYS
`;

/** The worker that served the deepest checkpoint of a prompt, and how much of that others served too. */
export interface PrefixMatch {
  /** Checkpoints matched (1-based count into the prompt's checkpoints). */
  depth: number;
  /** The latest worker to serve the deepest one. */
  workerId: string;
  /** Leading checkpoints that more than one worker served: no worker stands out for these. */
  sharedDepth: number;
}

/** Which worker served which prompt prefix and session recently, shared by every gateway (Redis, expiring). */
@Injectable()
export class AffinityStore {
  constructor(private readonly client: RedisClient) {
    this.client.redis.defineCommand('gridllmLongestPrefix', { lua: LONGEST_PREFIX });
    this.client.redis.defineCommand('gridllmRememberPrefix', { lua: REMEMBER });
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
      (pipeline as unknown as PrefixCommands).gridllmLongestPrefix(keys.length, ...keys);
    }
    const replies = (await pipeline.exec()) ?? [];
    const reply = (index: number) => {
      const [error, value] = replies[index] ?? [];
      if (error) throw error;
      return value;
    };
    const sessionWorker = session ? ((reply(0) as string | null) ?? null) : null;
    const found = (checkpoints.length > 0 ? reply(session ? 1 : 0) : [0]) as [number, string?, number?];
    const [depth, workerId, sharedDepth] = found;
    const prefix = depth > 0 && workerId ? { depth, workerId, sharedDepth: sharedDepth ?? 0 } : null;
    return { session: sessionWorker, prefix };
  }

  /** Remembers `workerId` for the job's prefix checkpoints and session until `ttlMs` from now: one round trip. */
  async remember(model: string, affinity: JobAffinity, workerId: string, ttlMs: number): Promise<void> {
    const pipeline = this.client.redis.pipeline();
    const keys = (affinity.prefix ?? []).map((hash) => this.client.keys.prefixBlock(model, hash));
    if (keys.length > 0)
      (pipeline as unknown as PrefixCommands).gridllmRememberPrefix(keys.length, ...keys, workerId, ttlMs);
    if (affinity.session) pipeline.set(this.client.keys.session(affinity.session), workerId, 'PX', ttlMs);
    if (pipeline.length > 0) await pipeline.exec();
  }
}

interface PrefixCommands {
  gridllmLongestPrefix(numKeys: number, ...keys: string[]): unknown;
  gridllmRememberPrefix(numKeys: number, ...args: Array<string | number>): unknown;
}
