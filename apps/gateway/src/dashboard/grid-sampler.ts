import { Injectable } from '@nestjs/common';

import { BULLMQ_PRIORITY, InferenceJobData, JOB_PRIORITIES, JobPriority } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { QueueRegistry } from '@gridllm/scheduler';
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

/** The fields of a BullMQ job record the dashboard reads. */
export interface JobRecord {
  data: InferenceJobData | null;
  processedOn: number | null;
  finishedOn: number | null;
  processedBy: string | null;
  bullPriority: number | null;
  returnvalue: { workerId?: string; response?: Record<string, unknown> } | null;
  failedReason: string | null;
}

const JOB_FIELDS = [
  'data',
  'processedOn',
  'finishedOn',
  'processedBy',
  'priority',
  'returnvalue',
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
    const [data, processedOn, finishedOn, processedBy, priority, returnvalue, failedReason] = values;
    return {
      data: parse<InferenceJobData>(data),
      processedOn: numberOf(processedOn),
      finishedOn: numberOf(finishedOn),
      processedBy: processedBy || null,
      bullPriority: numberOf(priority),
      returnvalue: parse(returnvalue),
      failedReason: failedReason || null,
    };
  }

  /**
   * Lines the current run has streamed (chunks, then the final line), from the id of the stream's last entry:
   * `<attempt>-<n>` is the n-th line after `started`, however many lines each entry holds.
   */
  async linesStreamed(jobId: string): Promise<number> {
    const [last] = await this.client.redis.xrevrange(this.client.keys.jobStream(jobId), '+', '-', 'COUNT', 1);
    return last ? sequenceOf(last[0]) : 0;
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
