import { RATE_COUNT_FUNCTION } from '@gridllm/access';

import { FAIR_TAG } from './fair-share.lua';
import { MERGED_ANSWER_FIELD, PREFERRED_WORKER_FIELD } from './take-next.lua';

/** The reply to a job id that is taken already (a command run twice must not queue a job twice). */
const EXISTS_REPLY = `redis.error_reply('ERR job ' .. ARGV[1] .. ' exists')`;

/** Stores and places the job (KEYS[1..5], ARGV[1..12], see ENQUEUE_JOB); leaves its fair tag in `tag`. */
const STORE_AND_PLACE = `local now, priority = tonumber(ARGV[5]), tonumber(ARGV[6])
local job = {'name', ARGV[2], 'data', ARGV[3], 'opts', ARGV[4], 'timestamp', ARGV[5], 'delay', 0, 'priority', priority}
if ARGV[11] ~= '' then job[#job + 1] = '${PREFERRED_WORKER_FIELD}'; job[#job + 1] = ARGV[11] end
if ARGV[12] ~= '' then job[#job + 1] = '${MERGED_ANSWER_FIELD}'; job[#job + 1] = ARGV[12] end
redis.call('HSET', KEYS[1], unpack(job))
local score, tag
if ARGV[7] ~= '' then
  local f = fairTag(KEYS[5], KEYS[2], ARGV[7], tonumber(ARGV[8]), now, tonumber(ARGV[9]), tonumber(ARGV[10]))
  score, tag = priority * BAND + BASE + f, string.format('%.17g', f)
else
  -- FIFO above BASE, like fair tags: a job BullMQ re-scores (handed back, aged up a band) still goes first.
  score, tag = priority * BAND + BASE + redis.call('INCR', KEYS[4]) % BASE, ''
end
redis.call('ZADD', KEYS[2], string.format('%.17g', score), ARGV[1])
redis.call('ZADD', KEYS[3], 0, '0')
`;

/**
 * Stores a job in BullMQ's layout and places it, in one round trip (issue 15; it was BullMQ's
 * addPrioritizedJob, then the fair-share placement, then the preference hint). Writes what BullMQ's add
 * writes for a prioritised job (the job hash with name/data/opts/timestamp/delay/priority, its score in the
 * prioritised set, the base marker), so every BullMQ reader and script works on it as before, plus in the
 * same hash the worker the job prefers, if any (PREFERRED_WORKER_FIELD), and whether its client reads only
 * the merged answer (MERGED_ANSWER_FIELD); left out:
 * BullMQ's `id` counter (jobs carry our ids) and its events stream (capped at 0 entries; nothing reads it).
 * The score is the fair tag (fair share on, job with an owner or auth on), or BullMQ's priority counter
 * (FIFO within the band); both sit above BASE, so that BullMQ's own re-queued jobs go first.
 * KEYS: job hash, prioritized, marker, pc, fair-share hash.
 * ARGV: job id, name, data, opts, timestamp ms, priority, owner ('' = fair share off), cost, window ms,
 *       fair state ttl ms, preferred worker ('' = none), MERGED_ANSWER_FIELD's value ('' = none). Replies the
 *       fair tag, or ''.
 */
export const ENQUEUE_JOB = `${FAIR_TAG}
if redis.call('EXISTS', KEYS[1]) == 1 then return ${EXISTS_REPLY} end
${STORE_AND_PLACE}
return tag
`;

/**
 * ENQUEUE_ADMITTED's body, replying `refused` when not admitted and `stored` once the job is stored; `waiting`
 * and `open` hold the queue's counts before this job when they were made (else nil).
 */
const admitted = (refused: string, stored: string) => `
if #redis.call('ZRANGEBYSCORE', KEYS[6], ARGV[5], '+inf', 'LIMIT', 0, 1) == 0 then return ${refused} end
local waiting, open
if ARGV[17] == '1' then
  waiting = redis.call('LLEN', KEYS[7]) + redis.call('ZCARD', KEYS[2])
  if waiting >= tonumber(ARGV[13]) then return ${refused} end
  open = waiting + redis.call('LLEN', KEYS[8])
  if open >= tonumber(ARGV[14]) then return ${refused} end
end
-- The id index is written first, and only when new: it stands for the job's existence check.
if not redis.call('SET', KEYS[9], ARGV[15], 'EX', ARGV[16], 'NX') then return ${EXISTS_REPLY} end
${STORE_AND_PLACE}
return ${stored}
`;

/**
 * ENQUEUE_JOB with the gateway's admission checks and index writes in the same round trip, for one Redis
 * server (not a Cluster: the keys span slot groups). It admits the job only when a live worker claims the
 * model, the model's queue is below MAX_QUEUE_PER_MODEL, and its open jobs stay within the allowance the
 * caller computed from the other queues' recent count (far from MAX_CONCURRENT_JOBS); otherwise it writes
 * nothing and replies nil, and the caller checks the slow way, which gives the exact refusal.
 * Two things the slow way does are left out as they cannot change anything here (issue 15: 2 commands per
 * job): counting the delayed set (inference jobs are never delayed: one attempt, no backoff) and adding the
 * model to the model list (a live claim means its worker's heartbeat added it, in the same MULTI).
 * The job's existence check is the id index's NX write (issue 15: one command per job): the index is
 * written with the job and outlives any retry of the command that wrote it.
 * The model's queue is counted only when the caller asks (QueueCountReuse: every few jobs, and
 * every job near a limit; issue 15: three commands per job); the counts made, if any, come back with the tag.
 * The gateway's presence key is not renewed here: a worker takes a job younger than the key's lifetime as
 * its gateway's word that it was alive (JobRunner.ownerGone; issue 15: one command per job).
 * KEYS 1–5 and ARGV 1–12 as ENQUEUE_JOB, then
 * KEYS: model's worker claims, wait, active, job id index.
 * ARGV: max waiting for the model, max open jobs of the model, model, index ttl s, count the queue (1/0).
 * Replies nil when not admitted, else { tag, then the queue's waiting and open jobs before this one when
 * counted }.
 */
export const ENQUEUE_ADMITTED = `${FAIR_TAG}
${admitted('nil', '{ tag, waiting, open }')}`;

/**
 * ENQUEUE_ADMITTED that first counts the request against its rate limit (RATE_COUNT_FUNCTION, the
 * gateway's own count), so a rate-limited job costs no round trip of its own (issue 15). The request is
 * counted whatever follows; over the limit, nothing else is written. Replies { tag, or nil when refused
 * or not admitted; then the count: hits, ms to expiry, blocked 1/0, ms to unblock; then, when stored, the
 * queue's counts as ENQUEUE_ADMITTED gives them }.
 * KEYS 1–9 and ARGV 1–17 as ENQUEUE_ADMITTED, then
 * KEYS: the counter's hits and blocked keys. ARGV: window ms, limit, block ms.
 */
export const ENQUEUE_ADMITTED_COUNTED = `${FAIR_TAG}
${RATE_COUNT_FUNCTION}
local counted = rateCount(KEYS[10], KEYS[11], ARGV[18], ARGV[19], ARGV[20])
if counted[3] == 1 then return { false, unpack(counted) } end
${admitted(
  '{ false, unpack(counted) }',
  '{ tag, counted[1], counted[2], counted[3], counted[4], waiting, open }',
)}`;
