import type { AdmittedEnqueue, QueueCounts } from './job-enqueue';

/** "Far from the limit": more than this share of it (and more than NEAR_LIMIT_MIN jobs) still free. */
const NEAR_LIMIT_SHARE = 0.1;
/** Near a limit, whatever its size: at most this many jobs from it. */
const NEAR_LIMIT_MIN = 8;
/**
 * Jobs one gateway enqueues for a model without a count of its queue, since the last count: fewer than
 * NEAR_LIMIT_MIN, so this gateway alone cannot pass a limit between counts.
 */
export const UNCOUNTED_JOBS = NEAR_LIMIT_MIN - 1;

/** How close to `limit` counts as near it: a tenth of it, at least NEAR_LIMIT_MIN jobs. */
export function nearLimitOf(limit: number): number {
  return Math.max(NEAR_LIMIT_MIN, Math.ceil(limit * NEAR_LIMIT_SHARE));
}

/** A model queue's jobs as the enqueue script last counted them, and the jobs enqueued without a count since. */
interface CountedQueue extends QueueCounts {
  readAt: number;
  uncounted: number;
}

/**
 * The enqueue script's counts of each model's queue, reused by the next few enqueues of this gateway (issue
 * 15: three commands per job). An enqueue may skip the count while the last one is recent (`ttlMs`), fewer
 * than UNCOUNTED_JOBS enqueues have skipped it since, and the queue stays far from both limits with them all
 * added. Skipping reserves a place at once, so concurrent requests cannot all skip on the same count; an
 * enqueue still on its way when a newer count comes back stays reserved (the count may have missed it).
 * Near a limit every enqueue counts, exactly as without reuse; far from them, other gateways' jobs between
 * two counts can only use up the margin.
 */
export class QueueCountReuse {
  private readonly counted = new Map<string, CountedQueue>();
  /** Per model: enqueues that skipped the count and have not come back yet. */
  private readonly uncountedOnTheirWay = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  /**
   * Whether the next enqueue of `model` must count its queue. When it need not, it is reserved as one job
   * more until `settle`.
   */
  mustCount(model: string, maxOpen: number, maxWaiting: number, now = Date.now()): boolean {
    const queue = this.counted.get(model);
    if (!queue || now - queue.readAt >= this.ttlMs || queue.uncounted >= UNCOUNTED_JOBS) return true;
    const added = queue.uncounted + 1;
    const far =
      queue.waiting + added < maxWaiting - nearLimitOf(maxWaiting) &&
      queue.open + added < maxOpen - nearLimitOf(maxOpen);
    if (!far) return true;
    queue.uncounted = added;
    this.uncountedOnTheirWay.set(model, (this.uncountedOnTheirWay.get(model) ?? 0) + 1);
    return false;
  }

  /**
   * What an enqueue that asked `mustCount` did (`mustCounted`: what it was told); `outcome` is null when it
   * failed. A stored job with counts makes them the new reference; a job not stored leaves the next enqueue
   * to count.
   */
  settle(model: string, mustCounted: boolean, outcome: AdmittedEnqueue | null, now = Date.now()): void {
    if (!mustCounted) {
      const left = (this.uncountedOnTheirWay.get(model) ?? 1) - 1;
      if (left > 0) this.uncountedOnTheirWay.set(model, left);
      else this.uncountedOnTheirWay.delete(model);
    }
    if (!outcome) return;
    if (!outcome.stored) this.counted.delete(model);
    else if (outcome.queue) {
      const uncounted = this.uncountedOnTheirWay.get(model) ?? 0;
      this.counted.set(model, { ...outcome.queue, readAt: now, uncounted });
    }
  }
}
