import { ENTER_TAKEN_LUA } from '@gridllm/streaming';

/**
 * The job hash field naming the worker a job prefers (prefix or session affinity), written by the enqueue
 * (ENQUEUE_JOB) and read by the take with the rest of the hash. Until issue 15's twenty-first round it was a
 * hash of its own per queue (job id → worker), one more read per take.
 */
export const PREFERRED_WORKER_FIELD = 'gridllm-preferred';

/**
 * The job hash field set (to 1) on a job whose client reads only the merged answer (`stream:false`). Its
 * take does not store the attempt's `started` event: the run's appender holds it with the chunks
 * (MERGED_ANSWER_HOLD_MS), so a quick answer reaches the gateway in one stream read, not two (issue 15).
 */
export const MERGED_ANSWER_FIELD = 'gridllm-merged';

/**
 * MERGED_ANSWER_FIELD's value from a gateway that also reads a final stream entry holding the events before
 * it (encodeAnswerFields): the run then writes a quick answer as one entry (issue 15: two XADDs fewer per
 * job). A gateway from before it writes 1 and its jobs' final lines keep entries of their own; a worker from
 * before it reads any value as 1.
 */
export const ONE_ANSWER_ENTRY = '2';

/** Most jobs a take counts as still waiting (TakenJob.backlog): more than a worker takes at once. */
export const MAX_REPORTED_BACKLOG = 16;

/**
 * One round trip from a free slot to a locked job (issue 15): what BullMQ's moveToActive does for our
 * queues, plus what the slot loop used to ask in three more trips (the head job's preference, whether a
 * better worker is free, how many jobs are left). It writes BullMQ's own layout (active list, lock key,
 * `processedOn`/`pb`/`ats` on the job hash), so BullMQ's stalled checker, lock renewal, completion and every
 * reader of the queue work as before. Left out of moveToActive on purpose: delayed jobs, the rate limiter
 * and paused/concurrency metadata (GridLLM uses none of them) and the `active` entry of BullMQ's events
 * stream (capped at 0 entries; nothing reads it).
 *
 * KEYS: wait, active, prioritized, marker, pc, then the availability keys of the better placement classes
 *       (standalone Redis only; in a Cluster they live in other slots and the caller asks the board itself).
 * ARGV: job key prefix, now ms, lock token, lock ms, worker id (also BullMQ's `pb`), affinity delay ms,
 *       honour preference (1/0), better-worker check (0 none, 1 by the keys given, 2 report a young head),
 *       right after a sleep on the marker (1/0: see below), then optionally (standalone Redis) runEntryArgs:
 *       the taken job's run is entered in the same trip.
 *
 * The head job's hash is read once, before anything is decided: its preferred worker and age come from it,
 * and a taken job is answered with it (issue 15: no read of a hints hash, no HGET of the age). A head left
 * for another worker was read for nothing (its request included, which may be large); that happens only
 * while it is younger than the affinity delay, at the pace of the callers' retries (PREFERENCE_RETRY_MS).
 * Two reads or writes are left out where they cannot change anything (issue 15: a command per job each):
 * - a take run right behind the worker's BZPOPMIN on the marker (MarkerWait.waitThen) finds the marker
 *   gone, popped by that sleep or never there, so it does not remove it when no job is left; a marker that
 *   another client set in between would only wake a worker for an empty take, which clears it;
 * - with two or more better classes, one EXISTS over their board keys comes first: a grid of one kind of
 *   worker has none of them, and its workers then read no class at all.
 *
 * Replies:
 *   {0}                               nothing waits (the base marker is cleared)
 *   {1, id, backlog, HGETALL of job, entry}
 *                                     taken; backlog = jobs still waiting, counted up to MAX_REPORTED_BACKLOG
 *                                     when the job came from the prioritized set (marker re-added when > 0);
 *                                     entry = enter_taken's reply when asked (ENTER_TAKEN_LUA), else nil;
 *                                     the `started` event is stored unless the job has MERGED_ANSWER_FIELD
 *   {2, preferred worker, age ms}     the head job prefers another worker and is younger than the delay
 *   {3, age ms}                       a better-class worker is free and the head job is younger than the delay
 *   {4, age ms}                       (check 2) the head job is younger than the delay: ask the board
 */
export const TAKE_NEXT = `${ENTER_TAKEN_LUA}
local wait, active, prioritized, marker, pc = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prefix, now, token, lockMs = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local workerId, delay = ARGV[5], tonumber(ARGV[6])
local honourPreference, betterCheck = ARGV[7] == '1', tonumber(ARGV[8])
local afterSleep = ARGV[9] == '1'

local waiting = redis.call('LLEN', wait)
local fromWait = waiting > 0
local head, ahead
if fromWait then head = redis.call('LINDEX', wait, -1)
else
  -- The head and the jobs behind it, as many as a take reports (issue 15: no ZCARD after the take).
  ahead = redis.call('ZRANGE', prioritized, 0, ${MAX_REPORTED_BACKLOG})
  head = ahead[1]
end
if not head then
  redis.call('DEL', pc)
  if not afterSleep then redis.call('ZREM', marker, '0') end
  return {0}
end

local jobKey = prefix .. head
local fields = redis.call('HGETALL', jobKey)
local at = {}
for i = 1, #fields, 2 do at[fields[i]] = i + 1 end
local preferred = at['${PREFERRED_WORKER_FIELD}'] and fields[at['${PREFERRED_WORKER_FIELD}']]
if preferred ~= workerId then
  local age
  local function young()
    age = age or now - (at.timestamp and tonumber(fields[at.timestamp]) or now)
    return age < delay
  end
  if honourPreference and preferred then
    if young() then return {2, preferred, age} end
  elseif betterCheck == 2 then
    if young() then return {4, age} end
  elseif betterCheck == 1 and (#KEYS < 7 or redis.call('EXISTS', unpack(KEYS, 6)) > 0) then
    for i = 6, #KEYS do
      if redis.call('ZRANGEBYSCORE', KEYS[i], now, '+inf', 'LIMIT', 0, 1)[1] then
        if young() then return {3, age} end
        break
      end
    end
  end
end

if fromWait then redis.call('RPOPLPUSH', wait, active)
else
  redis.call('ZPOPMIN', prioritized)
  redis.call('LPUSH', active, head)
end
redis.call('SET', jobKey .. ':lock', token, 'PX', lockMs)
-- The hash was read before the writes and the reply is given what HGETALL would answer after them: the
-- attempt count rides in the HSET instead of a HINCRBY of its own (issue 15: one command per job).
local attempt = (at.ats and tonumber(fields[at.ats]) or 0) + 1
redis.call('HSET', jobKey, 'processedOn', ARGV[2], 'pb', workerId, 'ats', attempt)
for _, field in ipairs({ {'processedOn', ARGV[2]}, {'pb', workerId}, {'ats', tostring(attempt)} }) do
  local i = at[field[1]]
  if i then fields[i] = field[2] else fields[#fields + 1] = field[1]; fields[#fields + 1] = field[2] end
end

-- The wait list lost the job taken from it, if any; nothing else changed it in this script.
local backlog
if fromWait then backlog = waiting - 1 + redis.call('ZCARD', prioritized) else backlog = #ahead - 1 end
if backlog > 0 then redis.call('ZADD', marker, 0, '0') elseif not afterSleep then redis.call('ZREM', marker, '0') end
local entry = false
if #ARGV > 9 then entry = enter_taken(head, attempt, workerId, 10, not at['${MERGED_ANSWER_FIELD}']) end
return {1, head, backlog, fields, entry}
`;
