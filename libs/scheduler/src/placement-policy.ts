import { PerformanceTier } from '@gridllm/contracts';

const TIER_ORDER: readonly PerformanceTier[] = ['high', 'medium', 'low'];

/** How a worker stands for one model: the model is loaded there (warm) or not, and its performance tier. */
export interface WorkerStanding {
  warm: boolean;
  tier: PerformanceTier;
}

/** Number of placement classes: warm × 3 tiers, then cold × 3 tiers. */
export const PLACEMENT_CLASSES = 6;

/**
 * A worker's class for a model, 0 = best: warm before cold, then high > medium > low tier. Between
 * workers of one class the pull model itself prefers the less loaded (a busy worker has no free slot).
 */
export function placementClass({ warm, tier }: WorkerStanding): number {
  return (warm ? 0 : TIER_ORDER.length) + TIER_ORDER.indexOf(tier);
}

/**
 * Whether a worker should leave the queue's head job to a better worker for now: only while some
 * better-class worker has a free slot for the model, and only until the job has waited `affinityDelayMs`
 * (work-conserving: no job waits longer than that while any worker that can serve it is free).
 */
export function shouldDefer(
  betterWorkerFree: boolean,
  headJobAgeMs: number | null,
  affinityDelayMs: number,
): boolean {
  if (!betterWorkerFree || headJobAgeMs === null) return false;
  return headJobAgeMs < affinityDelayMs;
}
