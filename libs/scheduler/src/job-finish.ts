import { KeysMap } from 'bullmq';

import { InferenceJobResult } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';
import { FENCED_APPEND_LUA, FinalBatch } from '@gridllm/streaming';

import { finishedRecord, storedResult } from './finished-job';
import { InferenceJob } from './job-take';

/**
 * One round trip from a finished run to a completed job (issue 15): what BullMQ's `updateData` and
 * `moveToFinished` did in two scripts and 21 commands, on BullMQ's own layout, so every reader (the job's
 * state, `returnvalue`, `finishedOn`, the completed set's retention) sees what BullMQ would have written.
 * Left out on purpose, as GridLLM uses none of them: parent/child flows, deduplication, metrics, the
 * `completed`/`drained` entries of BullMQ's events stream (capped at 0 entries; nothing reads it).
 *
 * Lua: `finish_completed(jobKey, active, completed, stalled, base)`, its arguments from ARGV[base]: job id,
 * now ms, lock token, returnvalue JSON, data JSON (the finished record), retention seconds
 * (`removeOnComplete.age`; empty: keep every completed job, as BullMQ does without it), job key prefix,
 * most jobs removed by age per run.
 * Answers 0, or BullMQ's codes: -1 no such job, -2 lock missing, -3 not active, -6 lock held by another.
 */
const FINISH_COMPLETED_LUA = `
local function finish_completed(jobKey, active, completed, stalled, base)
  local jobId, now, token = ARGV[base], tonumber(ARGV[base + 1]), ARGV[base + 2]
  local retention, prefix, limit = ARGV[base + 5], ARGV[base + 6], tonumber(ARGV[base + 7])
  if redis.call('EXISTS', jobKey) == 0 then return -1 end
  local lockKey = jobKey .. ':lock'
  local holder = redis.call('GET', lockKey)
  if holder ~= token then
    if holder then return -6 end
    return -2
  end
  redis.call('DEL', lockKey)
  redis.call('SREM', stalled, jobId)
  if redis.call('LREM', active, -1, jobId) < 1 then return -3 end
  redis.call('HINCRBY', jobKey, 'atm', 1)
  redis.call('ZADD', completed, now, jobId)
  redis.call('HSET', jobKey, 'returnvalue', ARGV[base + 3], 'finishedOn', now, 'data', ARGV[base + 4])
  if retention == '' then return 0 end
  local oldest = now - tonumber(retention) * 1000
  local expired = redis.call('ZREVRANGEBYSCORE', completed, oldest, '-inf', 'LIMIT', 0, limit)
  for _, id in ipairs(expired) do
    local key = prefix .. id
    redis.call('DEL', key, key .. ':logs', key .. ':dependencies', key .. ':processed', key .. ':failed',
      key .. ':unsuccessful')
  end
  if #expired > 0 then
    if #expired < limit then redis.call('ZREMRANGEBYSCORE', completed, '-inf', oldest)
    else redis.call('ZREM', completed, unpack(expired)) end
  end
  return 0
end`;

/** FINISH_COMPLETED_LUA on its own. KEYS: job hash, active, completed, stalled. ARGV: see the function. */
const FINISH_COMPLETED = `${FINISH_COMPLETED_LUA}
return finish_completed(KEYS[1], KEYS[2], KEYS[3], KEYS[4], 1)`;

/** How many of FINISH_COMPLETED_LUA's arguments come before the final batch's (FENCED_APPEND_LUA's). */
const FINISH_ARGS = 8;

/**
 * A job's final batch and its completion in one step (standalone Redis: the stream, owner and queue keys
 * live on one server): the batch is appended as FENCED_APPEND_LUA does, and only once it is stored is the
 * job completed. A fenced-out run writes nothing and completes nothing (error FENCED); a completion BullMQ
 * would refuse (the lock moved) leaves the stored batch and answers its code. The worker's last two round
 * trips of a job become one.
 * KEYS: job hash, active, completed, stalled, job stream, owner key.
 * ARGV: FINISH_COMPLETED_LUA's 8, then FENCED_APPEND_LUA's.
 */
const APPEND_FINAL_AND_COMPLETE = `${FENCED_APPEND_LUA}${FINISH_COMPLETED_LUA}
if not fenced_append(KEYS[5], KEYS[6], ${FINISH_ARGS + 1}) then return redis.error_reply('FENCED') end
return finish_completed(KEYS[1], KEYS[2], KEYS[3], KEYS[4], 1)`;

/** BullMQ's limit on jobs removed by age in one completion. */
const REMOVE_BY_AGE_LIMIT = 1000;

const ERRORS: Record<number, string> = {
  [-1]: 'Missing key for job',
  [-2]: 'Missing lock for job',
  [-3]: 'Job is not in the active state',
  [-6]: 'Lock mismatch for job',
};

interface FinishRedis {
  gridllmFinishCompleted(...keysAndArgs: Array<string | number>): Promise<number>;
  gridllmAppendFinalAndComplete(...keysAndArgs: Array<string | number>): Promise<number>;
}

/** Runs FINISH_COMPLETED on the connection the consumers share (the queue's keys are all in one slot). */
export class JobFinish {
  private readonly redis: FinishRedis;

  constructor(connection: RedisConnection) {
    connection.defineCommand('gridllmFinishCompleted', { numberOfKeys: 4, lua: FINISH_COMPLETED });
    connection.defineCommand('gridllmAppendFinalAndComplete', {
      numberOfKeys: 6,
      lua: APPEND_FINAL_AND_COMPLETE,
    });
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
    const code = await this.redis.gridllmFinishCompleted(
      ...finishKeys(keys, job),
      ...finishArgs(keys, job, token, result),
    );
    if (code < 0) throw completionRefused(code, job);
  }

  /**
   * Stores the job's final batch (see FinalAppend) and completes the job in one step. Rejects with the
   * FENCED error (nothing written) when the run was fenced out, and with BullMQ's refusal when the batch was
   * stored but the completion refused (the lock moved: its new holder records the outcome).
   */
  async appendFinalAndComplete(
    keys: KeysMap,
    job: InferenceJob,
    token: string,
    result: InferenceJobResult,
    batch: FinalBatch,
  ): Promise<void> {
    const code = await this.redis.gridllmAppendFinalAndComplete(
      ...finishKeys(keys, job),
      batch.stream,
      batch.owner,
      ...finishArgs(keys, job, token, result),
      ...batch.args,
    );
    if (code < 0) throw new CompletionRefusedError(completionRefused(code, job).message);
  }
}

/** The final batch was stored, but BullMQ's completion refused (the lock moved or the job is gone). */
export class CompletionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = CompletionRefusedError.name;
  }
}

function finishKeys(keys: KeysMap, job: InferenceJob): string[] {
  return [keys[''] + (job.id ?? ''), keys.active, keys.completed, keys.stalled];
}

/** FINISH_COMPLETED_LUA's arguments, in its order. */
function finishArgs(
  keys: KeysMap,
  job: InferenceJob,
  token: string,
  result: InferenceJobResult,
): Array<string | number> {
  return [
    job.id ?? '',
    Date.now(),
    token,
    JSON.stringify(storedResult(result)),
    JSON.stringify(finishedRecord(job.data)),
    retentionSeconds(job),
    keys[''],
    REMOVE_BY_AGE_LIMIT,
  ];
}

function completionRefused(code: number, job: InferenceJob): Error {
  return new Error(`${ERRORS[code] ?? `Error ${code} for job`} ${job.id ?? ''}. moveToFinished`);
}

/** The job's retention (`removeOnComplete: { age }`, as every job is enqueued); empty when it has none. */
function retentionSeconds(job: InferenceJob): number | '' {
  const keep = job.opts.removeOnComplete;
  return typeof keep === 'object' && 'age' in keep && typeof keep.age === 'number' ? keep.age : '';
}
