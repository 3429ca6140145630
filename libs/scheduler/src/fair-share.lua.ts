/**
 * A job's fair tag within its priority band, and the owner's counter moved on by its cost: start-time fair
 * queueing on a virtual token counter per owner, as in VTC:
 *  - virtual time `v` = the smallest fair tag still waiting in any band (the least-served active owner),
 *    never moving back;
 *  - an owner's counter `f` below `v` is lifted to it (an idle owner banks no credit); above `v` its lead
 *    decays by e every window since its last job;
 *  - the job's tag is the counter; the counter then grows by the job's cost.
 * Tags sit at BASE + tag inside BullMQ's band (priority × 2^32): BullMQ's own re-queued jobs (handed back,
 * stalled, aged; counter scores below BASE) keep going first. A Lua function, run inside the enqueue script
 * (ENQUEUE_JOB) so that the job is stored and placed in one atomic step: no take can see it unplaced.
 */
export const FAIR_TAG = `
local BAND = 4294967296
local BASE = 2147483648
local function fairTag(fairKey, prioritized, owner, cost, now, window, ttl)
  local state = redis.call('HMGET', fairKey, 'v', 'f:' .. owner, 't:' .. owner)
  local v, f, t = tonumber(state[1] or '0'), tonumber(state[2] or '0'), tonumber(state[3] or now)
  local low = nil
  for band = 1, 3 do
    local head = redis.call('ZRANGEBYSCORE', prioritized, band * BAND + BASE, (band + 1) * BAND - 1,
      'WITHSCORES', 'LIMIT', 0, 1)
    if head[2] then
      local tag = tonumber(head[2]) - band * BAND - BASE
      if low == nil or tag < low then low = tag end
    end
  end
  if low == nil and v > 0 then
    -- Nothing tagged waits: shift every counter down so tags stay far below the band's end.
    local fields = redis.call('HGETALL', fairKey)
    for i = 1, #fields, 2 do
      if string.sub(fields[i], 1, 2) == 'f:' then
        local rest = tonumber(fields[i + 1]) - v
        if rest > 0 then redis.call('HSET', fairKey, fields[i], string.format('%.17g', rest))
        else redis.call('HDEL', fairKey, fields[i], 't:' .. string.sub(fields[i], 3)) end
      end
    end
    -- This owner's counter as the shift left it (read before it): lowered by v, or gone with its time.
    f = f - v
    if f <= 0 then f, t = 0, now end
    v = 0
  elseif low ~= nil and low > v then
    v = low
  end
  if f > v then f = v + (f - v) * math.exp(-math.max(0, now - t) / window) else f = v end
  redis.call('HSET', fairKey, 'v', string.format('%.17g', v), 'f:' .. owner, string.format('%.17g', f + cost),
    't:' .. owner, now)
  redis.call('PEXPIRE', fairKey, ttl)
  return f
end
`;
