/**
 * Count, expire and block, as the Lua function `rateCount` (the script @nest-lab/throttler-storage-redis
 * ran, unchanged), so that the gateway's own count and the enqueue script that counts a job's request in
 * its round trip (issue 15) make one count. Replicas counting at once agree: each count is one script run.
 * `rateCount(hits, blocked, window ms, limit, block ms)` returns { hits, ms to expiry, blocked 1/0, ms to unblock }.
 */
export const RATE_COUNT_FUNCTION = `
local function rateCount(hitsKey, blockedKey, windowMs, limit, blockMs)
  local totalHits = redis.call('INCR', hitsKey)
  local timeToExpire = redis.call('PTTL', hitsKey)
  local ttl = tonumber(windowMs)
  if timeToExpire <= 0 then
    redis.call('PEXPIRE', hitsKey, ttl)
    timeToExpire = ttl
  end
  local isBlocked = redis.call('GET', blockedKey)
  local timeToBlockExpire = 0
  if isBlocked then
    timeToBlockExpire = redis.call('PTTL', blockedKey)
  elseif totalHits > tonumber(limit) then
    redis.call('SET', blockedKey, 1, 'PX', blockMs)
    isBlocked = '1'
    timeToBlockExpire = tonumber(blockMs)
  end
  if isBlocked and timeToBlockExpire <= 0 then
    redis.call('DEL', blockedKey)
    redis.call('SET', hitsKey, 1, 'PX', ttl)
    totalHits = 1
    timeToExpire = ttl
    isBlocked = false
  end
  return { totalHits, timeToExpire, isBlocked and 1 or 0, timeToBlockExpire }
end
`;

/** What `rateCount` returns: hits, ms to the window's end, 1 when blocked, ms to the block's end. */
export type RateCountReply = [number, number, number, number];

/** One request counted: the record @nestjs/throttler's storages return (times in whole seconds). */
export interface RateCount {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** The counter one request adds to, with Redis key names in full (prefix included). */
export interface RateCountTerms {
  hitsKey: string;
  blockedKey: string;
  windowMs: number;
  limit: number;
  blockMs: number;
}

export function rateCountOf([
  totalHits,
  timeToExpire,
  isBlocked,
  timeToBlockExpire,
]: RateCountReply): RateCount {
  return {
    totalHits,
    timeToExpire: Math.ceil(timeToExpire / 1000),
    isBlocked: isBlocked === 1,
    timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
  };
}

/**
 * A request's count that may still be made by the job it submits (issue 15): the enqueue script counts it
 * in its own round trip where it can (one Redis server), or the submit counts it separately.
 */
export interface RequestCharge {
  /** True once the count is made, on its way, or claimed by a script. */
  readonly made: boolean;
  /** Hands the count to a script that makes it (its terms); from then on `count` counts nothing. */
  claim(): RateCountTerms;
  /** Counts it (once; later calls share the first): resolves when allowed, rejects with the refusal. */
  count(): Promise<void>;
  /** Takes the claimed count's answer: throws the refusal when over the limit. */
  settle(reply: RateCountReply): void;
}
