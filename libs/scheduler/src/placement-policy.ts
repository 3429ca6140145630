import { PerformanceTier } from '@gridllm/contracts';

const TIER_ORDER: readonly PerformanceTier[] = ['high', 'medium', 'low'];

/**
 * How a worker stands for one model: loaded there (warm); if not, whether it has the memory to load it
 * without evicting another model (room); and its performance tier.
 */
export interface WorkerStanding {
  warm: boolean;
  room?: boolean;
  tier: PerformanceTier;
}

/** Number of placement classes: (warm, room to load, would evict) × 3 tiers. */
export const PLACEMENT_CLASSES = 9;

/**
 * A worker's class for a model, 0 = best: warm, then room to load it, then would have to evict; within
 * each, high > medium > low tier. Between workers of one class the pull model itself prefers the less
 * loaded (a busy worker has no free slot to pull with).
 */
export function placementClass({ warm, room = false, tier }: WorkerStanding): number {
  const readiness = warm ? 0 : room ? 1 : 2;
  return readiness * TIER_ORDER.length + TIER_ORDER.indexOf(tier);
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
