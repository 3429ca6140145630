/**
 * Places a just-added job in its priority band by fair share, atomically (one slot: every key belongs to
 * the job's queue). Start-time fair queueing on a virtual token counter per owner, as in VTC:
 *  - virtual time `v` = the smallest fair tag still waiting in any band (the least-served active owner),
 *    never moving back;
 *  - an owner's counter `f` below `v` is lifted to it (an idle owner banks no credit); above `v` its lead
 *    decays by e every window since its last job;
 *  - the job's tag is the counter; the counter then grows by the job's cost.
 * Tags sit at BASE + tag inside BullMQ's band (priority × 2^32): BullMQ's own re-queued jobs (handed back,
 * stalled, aged; counter scores below BASE) keep going first. The job arrives in a parking band (priority
 * + PARKED) so that no take can see it before it has its place.
 * KEYS: fair hash, prioritized zset, job hash. ARGV: owner, cost, now ms, window ms, priority, job id, ttl ms.
 */
export const PLACE_FAIRLY = `
local BAND = 4294967296
local BASE = 2147483648
local owner, cost, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local window, priority, jobId, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
local low = nil
for band = 1, 3 do
  local head = redis.call('ZRANGEBYSCORE', KEYS[2], band * BAND + BASE, (band + 1) * BAND - 1,
    'WITHSCORES', 'LIMIT', 0, 1)
  if head[2] then
    local tag = tonumber(head[2]) - band * BAND - BASE
    if low == nil or tag < low then low = tag end
  end
end
if low == nil and v > 0 then
  -- Nothing tagged waits: shift every counter down so tags stay far below the band's end.
  local fields = redis.call('HGETALL', KEYS[1])
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 2) == 'f:' then
      local rest = tonumber(fields[i + 1]) - v
      if rest > 0 then redis.call('HSET', KEYS[1], fields[i], string.format('%.17g', rest))
      else redis.call('HDEL', KEYS[1], fields[i], 't:' .. string.sub(fields[i], 3)) end
    end
  end
  v = 0
elseif low ~= nil and low > v then
  v = low
end
local f = tonumber(redis.call('HGET', KEYS[1], 'f:' .. owner) or '0')
local t = tonumber(redis.call('HGET', KEYS[1], 't:' .. owner) or ARGV[3])
if f > v then f = v + (f - v) * math.exp(-math.max(0, now - t) / window) else f = v end
redis.call('HSET', KEYS[1], 'v', string.format('%.17g', v), 'f:' .. owner, string.format('%.17g', f + cost), 't:' .. owner, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
if redis.call('ZSCORE', KEYS[2], jobId) then
  redis.call('ZADD', KEYS[2], string.format('%.17g', priority * BAND + BASE + f), jobId)
end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('HSET', KEYS[3], 'priority', priority) end
return string.format('%.17g', f)
`;

/** Added to a job's BullMQ priority while it waits for its fair place (after every real band). */
export const PARKED = 3;
