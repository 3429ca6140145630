import { Injectable } from '@nestjs/common';

import { BULLMQ_PRIORITY, InferenceJobData, JOB_PRIORITIES, JobPriority } from '@gridllm/contracts';
import { RedisClient, hashTagOf } from '@gridllm/redis';
import { FINISHED_SUMMARY_FIELD, FinishedSummary, QueueRegistry } from '@gridllm/scheduler';
import { sequenceOf } from '@gridllm/streaming';

/** BullMQ's prioritised set scores a job `priority * 2^32 + counter` (getPriorityScore.lua). */
const PRIORITY_SPAN = 0x100000000;

/** What the queues of one model hold right now. */
export interface ModelSample {
  model: string;
  activeIds: string[];
  waiting: Record<JobPriority, number>;
  oldestQueuedAt: Record<JobPriority, number | null>;
  /** Run times (ms) of the model's last jobs, as the workers record them for queue ETAs. */
  durationsMs: number[];
  /** Ids of jobs that finished after `since`, with their finish time (epoch ms). */
  finished: Array<{ id: string; at: number; failed: boolean }>;
}

/** Last entry id of each stream in KEYS ('' for a missing or empty one): ids only, not the entries. */
const LAST_IDS = `local out = {}
for i, key in ipairs(KEYS) do
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1]
  out[i] = last and last[1] or ''
end
return out`;

/** Streams per LAST_IDS call: bounds how long one call holds Redis (~0.2 ms per 100 streams). */
const LAST_IDS_BATCH = 200;

/** The fields of a BullMQ job record the dashboard reads. */
export interface JobRecord {
  data: InferenceJobData | null;
  processedOn: number | null;
  finishedOn: number | null;
  processedBy: string | null;
  bullPriority: number | null;
  /** A completed job's summary in the shape of its result (or its whole result: GridSampler.result). */
  returnvalue: { workerId?: string; response?: Record<string, unknown> } | null;
  failedReason: string | null;
}

/**
 * BullMQ's field names (`pb` is its `processedBy`, the worker that took the job last), and a completed job's
 * summary in place of its whole result (FINISHED_SUMMARY_FIELD).
 */
const JOB_FIELDS = [
  'data',
  'processedOn',
  'finishedOn',
  'pb',
  'priority',
  FINISHED_SUMMARY_FIELD,
  'failedReason',
];

/** Reads the queues, job records and token streams for the dashboard's recorder. Only reads. */
@Injectable()
export class GridSampler {
  constructor(
    private readonly client: RedisClient,
    private readonly queues: QueueRegistry,
  ) {}

  async model(model: string, since: number): Promise<ModelSample> {
    const queue = this.queues.forModel(model);
    const { redis } = this.client;
    const [activeIds, completed, failed, durations, waiting] = await Promise.all([
      redis.lrange(queue.keys.active, 0, -1),
      redis.zrangebyscore(queue.keys.completed, `(${since}`, '+inf', 'WITHSCORES'),
      redis.zrangebyscore(queue.keys.failed, `(${since}`, '+inf', 'WITHSCORES'),
      redis.lrange(this.client.keys.jobDurations(model), 0, -1),
      Promise.all(JOB_PRIORITIES.map((priority) => this.waitingAt(queue.keys.prioritized, priority))),
    ]);
    return {
      model,
      activeIds,
      waiting: byPriority(waiting.map((w) => w.count)),
      oldestQueuedAt: byPriority(
        await Promise.all(waiting.map((w) => this.queuedAt(w.headId && queue.toKey(w.headId)))),
      ),
      durationsMs: durations.map(Number).filter((ms) => Number.isFinite(ms)),
      finished: [...pairs(completed, false), ...pairs(failed, true)].sort((a, b) => a.at - b.at),
    };
  }

  async job(model: string, jobId: string): Promise<JobRecord> {
    const values = await this.client.redis.hmget(this.queues.forModel(model).toKey(jobId), ...JOB_FIELDS);
    const [data, processedOn, finishedOn, processedBy, priority, summary, failedReason] = values;
    return {
      data: parse<InferenceJobData>(data),
      processedOn: numberOf(processedOn),
      finishedOn: numberOf(finishedOn),
      processedBy: processedBy || null,
      bullPriority: numberOf(priority),
      returnvalue: summarised(parse<FinishedSummary>(summary)),
      failedReason: failedReason || null,
    };
  }

  /** The whole result of a completed job: only for a job finished by a worker that wrote no summary. */
  async result(model: string, jobId: string): Promise<JobRecord['returnvalue']> {
    return parse(await this.client.redis.hget(this.queues.forModel(model).toKey(jobId), 'returnvalue'));
  }

  /**
   * Lines the current runs of `jobIds` have streamed (chunks, then the final line), from the id of each
   * stream's last entry: `<attempt>-<n>` is the n-th line after `started`, however many lines each entry
   * holds. Runs every second over every running job, so it reads ids only, in a few script calls (one
   * XREVRANGE each was a command, a promise and the entry's text per job and second).
   */
  async linesStreamed(jobIds: readonly string[]): Promise<number[]> {
    const keys = jobIds.map((id) => this.client.keys.jobStream(id));
    const lines = new Array<number>(keys.length).fill(0);
    await Promise.all(
      this.batches(keys).map(async (indexes) => {
        // EVAL, not a defined command: each script defined on the shared connection is copied into
        // every pipeline made on it, request path included.
        const batch = indexes.map((index) => keys[index]);
        const ids = (await this.client.redis.eval(LAST_IDS, batch.length, ...batch)) as string[];
        indexes.forEach((index, n) => (lines[index] = sequenceOf(ids[n] ?? '')));
      }),
    );
    return lines;
  }

  /** Indexes of `keys` in batches of LAST_IDS_BATCH, each within one hash slot in a Redis Cluster. */
  private batches(keys: string[]): number[][] {
    const bySlot = new Map<string, number[]>();
    keys.forEach((key, index) => {
      const slot = this.client.keys.clustered ? hashTagOf(key) : '';
      const open = bySlot.get(slot);
      if (open) open.push(index);
      else bySlot.set(slot, [index]);
    });
    const batches: number[][] = [];
    for (const indexes of bySlot.values())
      for (let start = 0; start < indexes.length; start += LAST_IDS_BATCH)
        batches.push(indexes.slice(start, start + LAST_IDS_BATCH));
    return batches;
  }

  /** The worker running a job, from its stream's `started` event (BullMQ's manual mode leaves processedBy unset). */
  async startedBy(jobId: string): Promise<string | null> {
    const entries = await this.client.redis.xrange(this.client.keys.jobStream(jobId), '-', '+', 'COUNT', 1);
    const fields = entries[0]?.[1] ?? [];
    return fields[1] === 'started' ? dataOf(fields) : null;
  }

  /** The data of the last event of a job's stream (the error's `{error, status}` for a failed job). */
  async lastEvent(jobId: string): Promise<string | null> {
    const entries = await this.client.redis.xrevrange(
      this.client.keys.jobStream(jobId),
      '+',
      '-',
      'COUNT',
      1,
    );
    return dataOf(entries[0]?.[1] ?? []);
  }

  private async waitingAt(
    prioritized: string,
    priority: JobPriority,
  ): Promise<{ count: number; headId: string | null }> {
    const low = BULLMQ_PRIORITY[priority] * PRIORITY_SPAN;
    const high = `(${low + PRIORITY_SPAN}`;
    const [count, head] = await Promise.all([
      this.client.redis.zcount(prioritized, low, high),
      this.client.redis.zrangebyscore(prioritized, low, high, 'LIMIT', 0, 1),
    ]);
    return { count, headId: head[0] ?? null };
  }

  private async queuedAt(jobKey: string | null): Promise<number | null> {
    return jobKey ? numberOf(await this.client.redis.hget(jobKey, 'timestamp')) : null;
  }
}

/** A summary in the result's shape, as finishedRecord reads it. */
function summarised(summary: FinishedSummary | null): JobRecord['returnvalue'] {
  if (!summary) return null;
  const { workerId, ...response } = summary;
  return { workerId, response };
}

/** The `d` field of a stream entry (see token-stream.codec). */
function dataOf(fields: string[]): string | null {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'd') return fields[i + 1];
  return null;
}

function byPriority<T>(values: T[]): Record<JobPriority, T> {
  return Object.fromEntries(JOB_PRIORITIES.map((priority, i) => [priority, values[i]])) as Record<
    JobPriority,
    T
  >;
}

function pairs(flat: string[], failed: boolean): Array<{ id: string; at: number; failed: boolean }> {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i], at: Number(flat[i + 1]), failed });
  return out;
}

function numberOf(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function parse<T>(value: string | null | undefined): T | null {
  if (!value) return null;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
}
