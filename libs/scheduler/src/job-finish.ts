import { KeysMap } from 'bullmq';

import { InferenceJobResult } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';

import { finishedRecord, storedResult } from './finished-job';
import { InferenceJob } from './job-take';

/**
 * One round trip from a finished run to a completed job (issue 15): what BullMQ's `updateData` and
 * `moveToFinished` did in two scripts and 21 commands, on BullMQ's own layout, so every reader (the job's
 * state, `returnvalue`, `finishedOn`, the completed set's retention) sees what BullMQ would have written.
 * Left out on purpose, as GridLLM uses none of them: parent/child flows, deduplication, metrics, the
 * `completed`/`drained` entries of BullMQ's events stream (capped at 0 entries; nothing reads it).
 *
 * KEYS: job hash, active, completed, stalled.
 * ARGV: job id, now ms, lock token, returnvalue JSON, data JSON (the finished record), retention seconds
 *       (`removeOnComplete.age`; empty: keep every completed job, as BullMQ does without it), job key prefix,
 *       most jobs removed by age per run.
 * Replies 0, or BullMQ's codes: -1 no such job, -2 lock missing, -3 not active, -6 lock held by another.
 */
const FINISH_COMPLETED = `
local jobKey, active, completed, stalled = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local jobId, now, token = ARGV[1], tonumber(ARGV[2]), ARGV[3]
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
redis.call('HSET', jobKey, 'returnvalue', ARGV[4], 'finishedOn', now, 'data', ARGV[5])
if ARGV[6] == '' then return 0 end
local oldest = now - tonumber(ARGV[6]) * 1000
local expired = redis.call('ZREVRANGEBYSCORE', completed, oldest, '-inf', 'LIMIT', 0, tonumber(ARGV[8]))
for _, id in ipairs(expired) do
  local key = ARGV[7] .. id
  redis.call('DEL', key, key .. ':logs', key .. ':dependencies', key .. ':processed', key .. ':failed',
    key .. ':unsuccessful')
end
if #expired > 0 then
  if #expired < tonumber(ARGV[8]) then redis.call('ZREMRANGEBYSCORE', completed, '-inf', oldest)
  else redis.call('ZREM', completed, unpack(expired)) end
end
return 0`;

/** BullMQ's limit on jobs removed by age in one completion. */
const REMOVE_BY_AGE_LIMIT = 1000;

const ERRORS: Record<number, string> = {
  [-1]: 'Missing key for job',
  [-2]: 'Missing lock for job',
  [-3]: 'Job is not in the active state',
  [-6]: 'Lock mismatch for job',
};

interface FinishRedis {
  gridllmFinishCompleted(
    jobKey: string,
    active: string,
    completed: string,
    stalled: string,
    ...args: Array<string | number>
  ): Promise<number>;
}

/** Runs FINISH_COMPLETED on the connection the consumers share (the queue's keys are all in one slot). */
export class JobFinish {
  private readonly redis: FinishRedis;

  constructor(connection: RedisConnection) {
    connection.defineCommand('gridllmFinishCompleted', { numberOfKeys: 4, lua: FINISH_COMPLETED });
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
    const code = await this.redis.gridllmFinishCompleted(
      keys[''] + id,
      keys.active,
      keys.completed,
      keys.stalled,
      id,
      Date.now(),
      token,
      JSON.stringify(storedResult(result)),
      JSON.stringify(finishedRecord(job.data)),
      retentionSeconds(job),
      keys[''],
      REMOVE_BY_AGE_LIMIT,
    );
    if (code < 0) throw new Error(`${ERRORS[code] ?? `Error ${code} for job`} ${id}. moveToFinished`);
  }
}

/** The job's retention (`removeOnComplete: { age }`, as every job is enqueued); empty when it has none. */
function retentionSeconds(job: InferenceJob): number | '' {
  const keep = job.opts.removeOnComplete;
  return typeof keep === 'object' && 'age' in keep && typeof keep.age === 'number' ? keep.age : '';
}
