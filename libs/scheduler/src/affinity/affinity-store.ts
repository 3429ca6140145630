import { Injectable } from '@nestjs/common';

import { JobAffinity } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

/**
 * Binary search for the deepest block of a prefix chain that some worker served recently: O(log n) GETs
 * in one round trip. Blocks are recorded as whole chains, so a present block's predecessors are present.
 * KEYS: the chain's block keys in order. Returns {depth, worker} (depth 0: no block matched).
 */
const LONGEST_PREFIX = `
local lo, hi, worker = 0, #KEYS, false
while lo < hi do
  local mid = math.floor((lo + hi + 1) / 2)
  local found = redis.call('GET', KEYS[mid])
  if found then lo = mid; worker = found else hi = mid - 1 end
end
if lo == 0 then return {0} end
return {lo, worker}
`;

/** Which worker served which prompt prefix and session recently, shared by every gateway (Redis, expiring). */
@Injectable()
export class AffinityStore {
  constructor(private readonly client: RedisClient) {
    this.client.redis.defineCommand('gridllmLongestPrefix', { lua: LONGEST_PREFIX });
  }

  /**
   * The session's worker and the worker holding the chain's deepest block, in one round trip (the
   * session GET and the search script are pipelined).
   */
  async lookup(
    model: string,
    chain: readonly string[],
    session: string | undefined,
  ): Promise<{ session: string | null; prefix: { depth: number; workerId: string } | null }> {
    const pipeline = this.client.redis.pipeline();
    if (session) pipeline.get(this.client.keys.session(session));
    if (chain.length > 0) {
      const keys = chain.map((hash) => this.client.keys.prefixBlock(model, hash));
      (pipeline as unknown as LongestPrefixCommand).gridllmLongestPrefix(keys.length, ...keys);
    }
    const replies = (await pipeline.exec()) ?? [];
    const reply = (index: number) => {
      const [error, value] = replies[index] ?? [];
      if (error) throw error;
      return value;
    };
    const sessionWorker = session ? ((reply(0) as string | null) ?? null) : null;
    const found: [number, string?] = chain.length > 0 ? (reply(session ? 1 : 0) as [number, string?]) : [0];
    const prefix = found[0] > 0 && found[1] ? { depth: found[0], workerId: found[1] } : null;
    return { session: sessionWorker, prefix };
  }

  /** Remembers `workerId` for the job's prefix blocks and session until `ttlMs` from now. */
  async remember(model: string, affinity: JobAffinity, workerId: string, ttlMs: number): Promise<void> {
    const pipeline = this.client.redis.pipeline();
    for (const hash of affinity.prefix ?? [])
      pipeline.set(this.client.keys.prefixBlock(model, hash), workerId, 'PX', ttlMs);
    if (affinity.session) pipeline.set(this.client.keys.session(affinity.session), workerId, 'PX', ttlMs);
    if (pipeline.length > 0) await pipeline.exec();
  }
}

interface LongestPrefixCommand {
  gridllmLongestPrefix(numKeys: number, ...keys: string[]): unknown;
}
