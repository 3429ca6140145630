import { JOB_PRIORITIES, WorkerInfo } from '@gridllm/contracts';

import type { FinishedJob, FleetWorker, QueueRow, RunningJob, SeriesPoint } from './dashboard-frame';
import type { ModelSample } from './grid-sampler';

const MINUTE_MS = 60_000;
/** TTFT percentiles cover the jobs that finished this long ago at most: one second alone is too few. */
const TTFT_WINDOW_MS = 10_000;
/**
 * …and the newest this many of them: at hundreds of jobs a second, sorting all of a window's TTFTs each second
 * was a stall of its own in the gateway, in the requests' way (the p99, issue 15).
 */
export const MAX_TTFT_SAMPLES = 1000;
/** A worker whose heartbeat key expired stays listed as `gone` this long. */
const GONE_FOR_MS = 60_000;

interface Seen {
  tokens: number;
  workerId: string | null;
}

/**
 * The recorder's memory between ticks: token counts of running jobs (so it can count what each second
 * added, per worker), starts per queue in the last minute, recent TTFTs, and workers that just left.
 * Pure: the recorder feeds it what it read and writes out what it returns.
 */
export class GridTally {
  private readonly seen = new Map<string, Seen>();
  /** Tokens per worker and tick, for a minute: one entry per worker and tick, not per job (fewer objects to age). */
  private workerTokens: Array<{ at: number; workerId: string; tokens: number }> = [];
  private starts: Array<{ at: number; queue: string }> = [];
  private ttfts: Array<{ at: number; ms: number }> = [];
  private readonly lastSeenWorkers = new Map<string, Omit<WorkerInfo, 'signature'>>();
  private readonly gone = new Map<string, { info: Omit<WorkerInfo, 'signature'>; at: number }>();
  private tick = { requests: 0, tokens: 0, errors: 0 };
  private lastPointAt: number | null = null;

  /** Counts the tokens each running job added since the last tick, and the jobs that just started. */
  observeRunning(jobs: RunningJob[], now: number): void {
    for (const job of jobs) {
      const before = this.seen.get(job.id);
      if (!before) this.starts.push({ at: now, queue: `${job.model}\n${job.priority}` });
      this.addTokens(job.workerId, job.tokens - (before?.tokens ?? 0), now);
      // Updated in place: a new object per running job and tick would only add garbage.
      if (before) {
        before.tokens = job.tokens;
        before.workerId = job.workerId;
      } else this.seen.set(job.id, { tokens: job.tokens, workerId: job.workerId });
    }
  }

  /** Adds a finished job to this second's counts; its last tokens count for its worker. */
  observeFinished(job: FinishedJob, now: number): void {
    const before = this.seen.get(job.id);
    this.seen.delete(job.id);
    this.addTokens(job.workerId ?? before?.workerId ?? null, (job.tokens ?? 0) - (before?.tokens ?? 0), now);
    this.tick.requests += 1;
    if (job.outcome === 'failed') this.tick.errors += 1;
    if (job.ttftMs !== null) this.ttfts.push({ at: now, ms: job.ttftMs });
  }

  /** Forgets running jobs that are no longer active (finished ones were handled by observeFinished). */
  retain(activeIds: ReadonlySet<string>): void {
    for (const id of this.seen.keys()) if (!activeIds.has(id)) this.seen.delete(id);
  }

  /** This tick's point of the series; rates are per second over the time since the previous point. */
  point(now: number, queued: number): SeriesPoint {
    const seconds = this.lastPointAt === null ? 1 : Math.max(0.25, (now - this.lastPointAt) / 1000);
    this.lastPointAt = now;
    this.ttfts = this.ttfts.filter((sample) => now - sample.at <= TTFT_WINDOW_MS).slice(-MAX_TTFT_SAMPLES);
    const sorted = Float64Array.from(this.ttfts, (sample) => sample.ms).sort();
    const { requests, tokens, errors } = this.tick;
    this.tick = { requests: 0, tokens: 0, errors: 0 };
    return {
      t: now,
      requests: round(requests / seconds),
      tokens: round(tokens / seconds),
      errors: round(errors / seconds),
      queued,
      ttftP50: percentile(sorted, 0.5),
      ttftP95: percentile(sorted, 0.95),
    };
  }

  /** One row per live worker, plus those gone in the last minute. */
  fleet(workers: WorkerInfo[], running: RunningJob[], now: number): FleetWorker[] {
    this.workerTokens = this.workerTokens.filter((entry) => now - entry.at <= MINUTE_MS);
    const live = new Set(workers.map((worker) => worker.id));
    for (const [id, info] of this.lastSeenWorkers) {
      if (!live.has(id)) this.gone.set(id, { info, at: now });
    }
    this.lastSeenWorkers.clear();
    const rows = workers.map((worker) => {
      const { signature: _signature, ...info } = worker;
      this.lastSeenWorkers.set(worker.id, info);
      this.gone.delete(worker.id);
      const slotsUsed = running.filter((job) => job.workerId === worker.id).length;
      return { info, state: stateOf(worker, slotsUsed), slotsUsed, tokensPerSecond: this.rateOf(worker.id) };
    });
    for (const [id, { info, at }] of this.gone) {
      if (now - at > GONE_FOR_MS) this.gone.delete(id);
      else rows.push({ info, state: 'gone', slotsUsed: 0, tokensPerSecond: 0 });
    }
    return rows.sort((a, b) => a.info.id.localeCompare(b.info.id));
  }

  /**
   * One row per model and priority that has a queue. The ETA of a job queued now: nothing while a slot
   * is free, else one average run time per round of the model's slots that the jobs ahead of it fill.
   */
  queues(samples: ModelSample[], workers: WorkerInfo[], running: RunningJob[], now: number): QueueRow[] {
    this.starts = this.starts.filter((start) => now - start.at <= MINUTE_MS);
    return samples.flatMap((sample) => {
      const slots = workers
        .filter((worker) => worker.models.some((model) => model.name === sample.model))
        .reduce((sum, worker) => sum + worker.slots, 0);
      const runMs = average(sample.durationsMs);
      let ahead = running.filter((job) => job.model === sample.model).length;
      return JOB_PRIORITIES.map((priority) => {
        ahead += sample.waiting[priority];
        const queue = `${sample.model}\n${priority}`;
        return {
          model: sample.model,
          priority,
          depth: sample.waiting[priority],
          oldestQueuedAt: sample.oldestQueuedAt[priority],
          startedPerMinute: this.starts.filter((start) => start.queue === queue).length,
          etaMs: etaOf(ahead, slots, runMs),
        };
      });
    });
  }

  private addTokens(workerId: string | null, tokens: number, now: number): void {
    if (tokens <= 0) return;
    this.tick.tokens += tokens;
    if (!workerId) return;
    // Entries of one tick come together: a worker's tokens of this tick add up in one entry.
    for (let i = this.workerTokens.length - 1; i >= 0 && this.workerTokens[i].at === now; i--) {
      if (this.workerTokens[i].workerId === workerId) {
        this.workerTokens[i].tokens += tokens;
        return;
      }
    }
    this.workerTokens.push({ at: now, workerId, tokens });
  }

  private rateOf(workerId: string): number {
    const total = this.workerTokens
      .filter((entry) => entry.workerId === workerId)
      .reduce((sum, entry) => sum + entry.tokens, 0);
    return round(total / 60);
  }
}

/** Busy by the queues' count, the one the Slots column shows (the heartbeat's can be a second old). */
function stateOf(worker: WorkerInfo, slotsUsed: number): FleetWorker['state'] {
  if (worker.status !== 'ready') return worker.status;
  return slotsUsed >= worker.slots ? 'busy' : 'ready';
}

function etaOf(ahead: number, slots: number, runMs: number | null): number | null {
  if (slots > 0 && ahead < slots) return 0;
  if (runMs === null || slots === 0) return null;
  return Math.round(runMs * Math.ceil((ahead - slots + 1) / slots));
}

function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function average(values: number[]): number | null {
  return values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : null;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
