import { FAIR_TAG } from './fair-share.lua';

/**
 * Stores a job in BullMQ's layout and places it, in one round trip (issue 15; it was BullMQ's
 * addPrioritizedJob, then the fair-share placement, then the preference hint). Writes what BullMQ's add
 * writes for a prioritised job (the job hash with name/data/opts/timestamp/delay/priority, its score in the
 * prioritised set, the base marker), so every BullMQ reader and script works on it as before; left out:
 * BullMQ's `id` counter (jobs carry our ids) and its events stream (capped at 0 entries; nothing reads it).
 * The score is the fair tag (fair share on) or BullMQ's priority counter (FIFO within the band).
 * KEYS: job hash, prioritized, marker, pc, fair-share hash, preference hints.
 * ARGV: job id, name, data, opts, timestamp ms, priority, owner ('' = fair share off), cost, window ms,
 *       fair state ttl ms, preferred worker ('' = none), hints ttl ms. Replies the fair tag, or ''.
 */
export const ENQUEUE_JOB = `${FAIR_TAG}
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('ERR job ' .. ARGV[1] .. ' exists') end
local now, priority = tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'data', ARGV[3], 'opts', ARGV[4], 'timestamp', ARGV[5],
  'delay', 0, 'priority', priority)
local score, tag
if ARGV[7] ~= '' then
  local f = fairTag(KEYS[5], KEYS[2], ARGV[7], tonumber(ARGV[8]), now, tonumber(ARGV[9]), tonumber(ARGV[10]))
  score, tag = priority * BAND + BASE + f, string.format('%.17g', f)
else
  score, tag = priority * BAND + redis.call('INCR', KEYS[4]) % BAND, ''
end
redis.call('ZADD', KEYS[2], string.format('%.17g', score), ARGV[1])
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[1], ARGV[11])
  redis.call('PEXPIRE', KEYS[6], ARGV[12])
end
redis.call('ZADD', KEYS[3], 0, '0')
return tag
`;
