import { KeysMap } from 'bullmq';

import { InferenceJobResult } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';
import { APPEND_BATCH_LUA, AppendCall } from '@gridllm/streaming';

import { FINISHED_SUMMARY_FIELD, finishedRecord, finishedSummary, storedResult } from './finished-job';
import { InferenceJob } from './job-take';

/**
 * One round trip from a finished run to a completed or failed job (issue 15): what BullMQ's `updateData` and
 * `moveToFinished` (or `moveToFailed`) did in two scripts and 21 commands, on BullMQ's own layout, so every
 * reader (the job's state, `returnvalue` or `failedReason`, `finishedOn`, `attemptsMade`, the completed and
 * failed sets with their finish times) sees what BullMQ would have written. The request is dropped in the
 * same write: the job keeps its finished record instead.
 * Left out on purpose, as GridLLM uses none of them: parent/child flows, deduplication, metrics, retries
 * (every job has one attempt), the stack trace of a failure (stored as `[]`), and the events stream's
 * entries (capped at 0 entries; nothing reads it).
 * Left out as they change nothing a reader sees (issue 15: three commands per job):
 * - the job's existence check on the way in: a job whose lock this run holds exists (it is read only to
 *   name a refusal);
 * - the SREM from the stalled set: the stalled checker skips an id that is no longer in the active list,
 *   and empties the set on every run;
 * - the HINCRBY of `atm`: the run knows the count it read when it took the job, and nothing else changes it
 *   while the lock is held;
 * - the lock's GET and DEL are one GETDEL (Redis 6.2 or newer). A lock found to be another run's is put back
 *   with a whole lock's lifetime (its holder renews it within half of that; if the holder is dead, BullMQ's
 *   stalled checker finds the job at most one lock later than it would have).
 *
 * Retention differs from BullMQ's on purpose. BullMQ removes, in each completion, every finished job older
 * than the finishing job's own `removeOnComplete.age` (`removeOnFail.age`): an Ollama or OpenAI job (kept
 * STREAM_TTL) removed a native API job's result (kept RESULT_TTL) once it was STREAM_TTL old. Here each job
 * is removed at its own expiry, from an index of expiry times beside the finished set. Jobs finished before
 * the index existed (by an older worker) are not in it; they are still removed by BullMQ's rule, bounded by
 * the set's cutover (its first sweep's time), and that rule never removes a job the index holds.
 * The removal runs only when asked (`sweep`), not in every completion.
 *
 * KEYS: job hash, active, finished set (completed or failed), its expiry index, its cutover.
 * ARGV: job id, now ms, lock token, `completed` or `failed`, the result or the reason, data JSON
 *       (the finished record), retention seconds (empty: keep the job), job key prefix, most jobs removed per
 *       sweep, `attemptsMade` after this attempt, sweep (1/0), lock ms, then for a completed job its summary
 *       (see FINISHED_SUMMARY_FIELD).
 * Replies the number of jobs removed (0 or more), or BullMQ's codes: -1 no such job, -2 lock missing,
 * -3 not active, -6 lock held by another.
 */
const FINISH = `
local jobKey, active, finished, expiry, cutoverKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local jobId, now, token, retain = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[7]
local lockKey = jobKey .. ':lock'
local holder = redis.call('GETDEL', lockKey)
if holder ~= token then
  if holder then redis.call('SET', lockKey, holder, 'PX', ARGV[12]) end
  if redis.call('EXISTS', jobKey) == 0 then return -1 end
  if holder then return -6 end
  return -2
end
if redis.call('LREM', active, -1, jobId) < 1 then return -3 end
redis.call('ZADD', finished, now, jobId)
if ARGV[4] == 'failed' then
  redis.call('HSET', jobKey, 'failedReason', ARGV[5], 'stacktrace', '[]', 'finishedOn', now, 'data', ARGV[6],
    'atm', ARGV[10])
  redis.call('HDEL', jobKey, 'defa')
else
  redis.call('HSET', jobKey, 'returnvalue', ARGV[5], '${FINISHED_SUMMARY_FIELD}', ARGV[13], 'finishedOn', now,
    'data', ARGV[6], 'atm', ARGV[10])
end
if retain ~= '' then redis.call('ZADD', expiry, now + tonumber(retain) * 1000, jobId) end
if ARGV[11] ~= '1' then return 0 end

local limit = tonumber(ARGV[9])
local function remove(ids)
  for _, id in ipairs(ids) do
    local key = ARGV[8] .. id
    redis.call('DEL', key, key .. ':logs', key .. ':dependencies', key .. ':processed', key .. ':failed',
      key .. ':unsuccessful')
  end
  if #ids > 0 then redis.call('ZREM', finished, unpack(ids)) end
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
if retain ~= '' and removed < limit then
  local bound = math.min(cutover, now - tonumber(retain) * 1000)
  local older = {}
  for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', finished, '(' .. bound, '-inf', 'LIMIT', 0, limit - removed)) do
    if not redis.call('ZSCORE', expiry, id) then older[#older + 1] = id end
  end
  remove(older)
  removed = removed + #older
end
return removed`;

/** ARGV of FINISH for a completed job (the summary is its last); a batch's ARGV follow them. */
const COMPLETED_ARGS = 13;

/**
 * FINISH for a completed job, after the batch that holds its final line (APPEND_BATCH_LUA) in the same run
 * (issue 15: one round trip and one script call fewer per job). Standalone Redis only: the stream and owner
 * keys are not in the queue's slot. A fenced-out batch is refused as the append alone refuses it (the FENCED
 * error, nothing written); otherwise the line is stored whatever the completion's outcome, as it was when
 * the two were separate trips. KEYS: FINISH's, then the stream and owner. ARGV: FINISH's for a completed
 * job, then the batch's (see append_batch).
 */
const FINISH_AFTER_FINAL = `${APPEND_BATCH_LUA}
local appended = append_batch(KEYS[6], KEYS[7], ${COMPLETED_ARGS + 1})
if appended ~= 1 then return appended end
${FINISH}`;

/** BullMQ's limit on jobs removed by age in one completion. */
const REMOVE_BY_AGE_LIMIT = 1000;

/**
 * How often one worker removes a finished set's expired jobs: BullMQ does it in every completion; once a
 * second is soon enough for a retention counted in seconds. A sweep that reached its limit is followed by
 * another at the next finish, so removal keeps up with any completion rate.
 */
const SWEEP_INTERVAL_MS = 1000;

/** A finished set's index of jobs by expiry time, and the time it was first swept (see FINISH): `…:completed`. */
const EXPIRY_SUFFIX = 'gridllm-expiry';
const CUTOVER_SUFFIX = 'gridllm-expiry-cutover';

const ERRORS: Record<number, string> = {
  [-1]: 'Missing key for job',
  [-2]: 'Missing lock for job',
  [-3]: 'Job is not in the active state',
  [-6]: 'Lock mismatch for job',
};

/** How often one worker removes a set's expired jobs, and how many at most in one go. */
export interface SweepSettings {
  intervalMs: number;
  limit: number;
}

type FinishedState = 'completed' | 'failed';

/** One FINISH run's keys and ARGV, and what its reply is read with. */
interface FinishCall {
  id: string;
  state: FinishedState;
  set: string;
  sweep: boolean;
  keys: string[];
  args: Array<string | number>;
}

interface FinishRedis {
  gridllmFinish(...keysAndArgs: Array<string | number>): Promise<number>;
}

interface FinishAfterFinalRedis {
  gridllmFinishAfterFinal(...keysAndArgs: Array<string | number>): Promise<number>;
}

/**
 * Runs FINISH on the connection the consumers share (the queue's keys are all in one slot), and
 * FINISH_AFTER_FINAL on the connection the job's lines go on.
 */
export class JobFinish {
  private readonly redis: FinishRedis;
  /** The connections FINISH_AFTER_FINAL is defined on: those the final lines go on. */
  private readonly finalLineConnections = new WeakSet<RedisConnection>();
  /** When this worker last removed each finished set's expired jobs (by the set's key). */
  private readonly sweptAt = new Map<string, number>();

  constructor(
    connection: RedisConnection,
    /** The lifetime of a job's lock (BullMQ's `lockDuration`), which a lock put back gets. */
    private readonly lockMs: number,
    private readonly sweeps: SweepSettings = { intervalMs: SWEEP_INTERVAL_MS, limit: REMOVE_BY_AGE_LIMIT },
  ) {
    connection.defineCommand('gridllmFinish', { numberOfKeys: 5, lua: FINISH });
    this.redis = connection as unknown as FinishRedis;
  }

  /**
   * Completes a job of the queue with `keys` (BullMQ's QueueKeys) whose lock this worker holds (`token`):
   * stores its result and, in place of its request, the finished record. Rejects, changing nothing, as
   * BullMQ would when the lock is gone or the job is not active.
   */
  completed(keys: KeysMap, job: InferenceJob, token: string, result: InferenceJobResult): Promise<void> {
    return this.finish(this.completedCall(keys, job, token, result));
  }

  /** Fails the job for good (no retry), as `completed` does: the reason and the finished record, one write. */
  failed(keys: KeysMap, job: InferenceJob, token: string, reason: string): Promise<void> {
    return this.finish(this.finishCall(keys, job, token, 'failed', reason));
  }

  /**
   * `completed`, in one trip with the batch holding the job's final line (`call`, see FINISH_AFTER_FINAL),
   * on the connection the batch would have gone on. Rejects as the batch's own write would (fenced out,
   * Redis gone); once the batch is stored, resolves with null when the job is recorded, or the error
   * `completed` would have thrown.
   */
  async completedAfterFinal(
    keys: KeysMap,
    job: InferenceJob,
    token: string,
    result: InferenceJobResult,
    call: AppendCall,
  ): Promise<Error | null> {
    const finish = this.completedCall(keys, job, token, result);
    const code = await this.finalLineRedis(call.connection).gridllmFinishAfterFinal(
      ...finish.keys,
      call.stream,
      call.owner,
      ...finish.args,
      ...call.args,
    );
    return this.outcome(finish, code);
  }

  private finalLineRedis(connection: RedisConnection): FinishAfterFinalRedis {
    if (!this.finalLineConnections.has(connection)) {
      connection.defineCommand('gridllmFinishAfterFinal', { numberOfKeys: 7, lua: FINISH_AFTER_FINAL });
      this.finalLineConnections.add(connection);
    }
    return connection as unknown as FinishAfterFinalRedis;
  }

  private async finish(call: FinishCall): Promise<void> {
    const error = this.outcome(call, await this.redis.gridllmFinish(...call.keys, ...call.args));
    if (error) throw error;
  }

  /** FINISH's keys and ARGV for a completed job: its result and, beside it, the summary the dashboard reads. */
  private completedCall(
    keys: KeysMap,
    job: InferenceJob,
    token: string,
    result: InferenceJobResult,
  ): FinishCall {
    const summary = JSON.stringify(finishedSummary(result));
    return this.finishCall(keys, job, token, 'completed', JSON.stringify(storedResult(result)), summary);
  }

  /** FINISH's keys and ARGV for one job; marks a sweep as made when one is due. */
  private finishCall(
    keys: KeysMap,
    job: InferenceJob,
    token: string,
    state: FinishedState,
    outcome: string,
    summary?: string,
  ): FinishCall {
    const id = job.id ?? '';
    const now = Date.now();
    const set = keys[state];
    const sweep = this.sweepDue(set, now);
    return {
      id,
      state,
      set,
      sweep,
      keys: [
        keys[''] + id,
        keys.active,
        set,
        `${keys['']}${EXPIRY_SUFFIX}:${state}`,
        `${keys['']}${CUTOVER_SUFFIX}:${state}`,
      ],
      args: [
        id,
        now,
        token,
        state,
        outcome,
        JSON.stringify(finishedRecord(job.data)),
        retentionSeconds(job, state),
        keys[''],
        this.sweeps.limit,
        job.attemptsMade + 1,
        sweep ? 1 : 0,
        this.lockMs,
        ...(summary === undefined ? [] : [summary]),
      ],
    };
  }

  /** FINISH's reply as an error (null: recorded); keeps the sweep schedule right either way. */
  private outcome({ id, state, set, sweep }: FinishCall, code: number): Error | null {
    if (code < 0) {
      // Not swept: the next finish tries again.
      if (sweep) this.sweptAt.delete(set);
      const verb = state === 'completed' ? 'moveToFinished' : 'moveToFailed';
      return new Error(`${ERRORS[code] ?? `Error ${code} for job`} ${id}. ${verb}`);
    }
    if (code >= this.sweeps.limit) this.sweptAt.delete(set);
    return null;
  }

  /** Whether this finish should remove the set's expired jobs; marks the sweep as made when it should. */
  private sweepDue(set: string, now: number): boolean {
    if (now - (this.sweptAt.get(set) ?? -Infinity) < this.sweeps.intervalMs) return false;
    this.sweptAt.set(set, now);
    return true;
  }
}

/** The job's retention (`removeOnComplete` / `removeOnFail: { age }`, as every job is enqueued); empty when none. */
function retentionSeconds(job: InferenceJob, state: FinishedState): number | '' {
  const keep = state === 'completed' ? job.opts.removeOnComplete : job.opts.removeOnFail;
  return typeof keep === 'object' && 'age' in keep && typeof keep.age === 'number' ? keep.age : '';
}
