import { KeysMap } from 'bullmq';

import { InferenceJobResult } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';

import { finishedRecord, storedResult } from './finished-job';
import { InferenceJob } from './job-take';

/**
 * One round trip from a finished run to a completed job (issue 15): what BullMQ's `updateData` and
 * `moveToFinished` did in two scripts and 21 commands, on BullMQ's own layout, so every reader (the job's
 * state, `returnvalue`, `finishedOn`, `attemptsMade`, the completed set) sees what BullMQ would have written.
 * Left out on purpose, as GridLLM uses none of them: parent/child flows, deduplication, metrics, the
 * `completed`/`drained` entries of BullMQ's events stream (capped at 0 entries; nothing reads it).
 * Left out as they change nothing a reader sees (issue 15: three commands per job):
 * - the job's existence check on the way in: a job whose lock this run holds exists (it is read only to
 *   name a refusal);
 * - the SREM from the stalled set: the stalled checker skips an id that is no longer in the active list,
 *   and empties the set on every run;
 * - the HINCRBY of `atm`: the run knows the count it read when it took the job, and nothing else changes it
 *   while the lock is held.
 *
 * Retention differs from BullMQ's on purpose. BullMQ removes, in each completion, every completed job older
 * than the completing job's own `removeOnComplete.age`: a synchronous job (kept STREAM_TTL) removed the
 * result of an async one (kept RESULT_TTL) once it was STREAM_TTL old. Here each job is removed at its own
 * expiry, from an index of expiry times beside the completed set. Jobs completed before the index existed
 * (by an older worker) are not in it; they are still removed by BullMQ's rule, bounded by the queue's
 * cutover (the first indexed sweep's time), so that rule never reaches a job the index holds.
 * The removal runs only when asked (`sweep`), not in every completion.
 *
 * KEYS: job hash, active, completed, expiry index, cutover.
 * ARGV: job id, now ms, lock token, returnvalue JSON, data JSON (the finished record), retention seconds
 *       (`removeOnComplete.age`; empty: keep the job), job key prefix, most jobs removed per sweep,
 *       `attemptsMade` after this attempt, sweep (1/0).
 * Replies the number of jobs removed (0 or more), or BullMQ's codes: -1 no such job, -2 lock missing,
 * -3 not active, -6 lock held by another.
 */
const FINISH_COMPLETED = `
local jobKey, active, completed, expiry, cutoverKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local jobId, now, token = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local lockKey = jobKey .. ':lock'
local holder = redis.call('GET', lockKey)
if holder ~= token then
  if redis.call('EXISTS', jobKey) == 0 then return -1 end
  if holder then return -6 end
  return -2
end
redis.call('DEL', lockKey)
if redis.call('LREM', active, -1, jobId) < 1 then return -3 end
redis.call('ZADD', completed, now, jobId)
redis.call('HSET', jobKey, 'returnvalue', ARGV[4], 'finishedOn', now, 'data', ARGV[5], 'atm', ARGV[9])
if ARGV[6] ~= '' then redis.call('ZADD', expiry, now + tonumber(ARGV[6]) * 1000, jobId) end
if ARGV[10] ~= '1' then return 0 end

local limit = tonumber(ARGV[8])
local function remove(ids)
  for _, id in ipairs(ids) do
    local key = ARGV[7] .. id
    redis.call('DEL', key, key .. ':logs', key .. ':dependencies', key .. ':processed', key .. ':failed',
      key .. ':unsuccessful')
  end
  if #ids > 0 then redis.call('ZREM', completed, unpack(ids)) end
end
local expired = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, limit)
remove(expired)
if #expired > 0 then redis.call('ZREM', expiry, unpack(expired)) end

-- Older workers' jobs (not indexed): BullMQ's rule, only before the cutover, never an indexed job.
local cutover = tonumber(redis.call('GET', cutoverKey))
if not cutover then
  redis.call('SET', cutoverKey, now)
  cutover = now
end
local removed = #expired
if ARGV[6] ~= '' and removed < limit then
  local bound = math.min(cutover, now - tonumber(ARGV[6]) * 1000)
  local older = {}
  for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', completed, '(' .. bound, '-inf', 'LIMIT', 0, limit - removed)) do
    if not redis.call('ZSCORE', expiry, id) then older[#older + 1] = id end
  end
  remove(older)
  removed = removed + #older
end
return removed`;

/** BullMQ's limit on jobs removed by age in one completion. */
const REMOVE_BY_AGE_LIMIT = 1000;

/**
 * How often one worker removes a queue's expired completed jobs: BullMQ does it in every completion; once a
 * second is soon enough for a retention counted in seconds. A sweep that reached its limit is followed by
 * another at the next completion, so removal keeps up with any completion rate.
 */
const SWEEP_INTERVAL_MS = 1000;

/** The queue's index of completed jobs by expiry time, and the time it was first swept (see FINISH_COMPLETED). */
const EXPIRY_SUFFIX = 'gridllm-expiry';
const CUTOVER_SUFFIX = 'gridllm-expiry-cutover';

const ERRORS: Record<number, string> = {
  [-1]: 'Missing key for job',
  [-2]: 'Missing lock for job',
  [-3]: 'Job is not in the active state',
  [-6]: 'Lock mismatch for job',
};

/** How often one worker removes a queue's expired jobs, and how many at most in one go. */
export interface SweepSettings {
  intervalMs: number;
  limit: number;
}

interface FinishRedis {
  gridllmFinishCompleted(
    jobKey: string,
    active: string,
    completed: string,
    expiry: string,
    cutover: string,
    ...args: Array<string | number>
  ): Promise<number>;
}

/** Runs FINISH_COMPLETED on the connection the consumers share (the queue's keys are all in one slot). */
export class JobFinish {
  private readonly redis: FinishRedis;
  /** When this worker last removed each queue's expired completed jobs (by the completed set's key). */
  private readonly sweptAt = new Map<string, number>();

  constructor(
    connection: RedisConnection,
    private readonly sweeps: SweepSettings = { intervalMs: SWEEP_INTERVAL_MS, limit: REMOVE_BY_AGE_LIMIT },
  ) {
    connection.defineCommand('gridllmFinishCompleted', { numberOfKeys: 5, lua: FINISH_COMPLETED });
    this.redis = connection as unknown as FinishRedis;
  }

  /**
   * Completes a job of the queue with `keys` (BullMQ's QueueKeys) whose lock this worker holds (`token`):
   * stores its result and, in place of its request, the finished record. Rejects, changing nothing, as
   * BullMQ would when the lock is gone or the job is not active.
   */
  async completed(
    keys: KeysMap,
    job: InferenceJob,
    token: string,
    result: InferenceJobResult,
  ): Promise<void> {
    const id = job.id ?? '';
    const now = Date.now();
    const sweep = this.sweepDue(keys.completed, now);
    const code = await this.redis.gridllmFinishCompleted(
      keys[''] + id,
      keys.active,
      keys.completed,
      keys[''] + EXPIRY_SUFFIX,
      keys[''] + CUTOVER_SUFFIX,
      id,
      now,
      token,
      JSON.stringify(storedResult(result)),
      JSON.stringify(finishedRecord(job.data)),
      retentionSeconds(job),
      keys[''],
      this.sweeps.limit,
      job.attemptsMade + 1,
      sweep ? 1 : 0,
    );
    if (code < 0) {
      // Not swept: the next completion tries again.
      if (sweep) this.sweptAt.delete(keys.completed);
      throw new Error(`${ERRORS[code] ?? `Error ${code} for job`} ${id}. moveToFinished`);
    }
    if (code >= this.sweeps.limit) this.sweptAt.delete(keys.completed);
  }

  /** Whether this completion should remove the queue's expired jobs; marks the sweep as made when it should. */
  private sweepDue(completedKey: string, now: number): boolean {
    if (now - (this.sweptAt.get(completedKey) ?? -Infinity) < this.sweeps.intervalMs) return false;
    this.sweptAt.set(completedKey, now);
    return true;
  }
}

/** The job's retention (`removeOnComplete: { age }`, as every job is enqueued); empty when it has none. */
function retentionSeconds(job: InferenceJob): number | '' {
  const keep = job.opts.removeOnComplete;
  return typeof keep === 'object' && 'age' in keep && typeof keep.age === 'number' ? keep.age : '';
}
