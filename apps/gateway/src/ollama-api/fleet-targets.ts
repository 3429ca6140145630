import { NotFoundError, WorkerInfo, quote } from '@gridllm/contracts';

/** Which workers an operator's pull or create goes to (`/admin/models/...`); default: every capable one. */
export interface FleetTargets {
  workers?: string[];
  count?: number;
}

/**
 * The ids an operation goes to: the workers an operator names (each must be live and ready; one that
 * cannot do it answers its own clear error), else `count` (or all) of the `capable` ready workers.
 * `unavailable` is thrown when no worker is capable.
 */
export function chooseTargets(
  live: WorkerInfo[],
  capable: (worker: WorkerInfo) => boolean,
  unavailable: () => Error,
  targets?: FleetTargets,
): string[] {
  const ready = live.filter((worker) => worker.status === 'ready');
  if (targets?.workers?.length) {
    const missing = targets.workers.filter((id) => !ready.some((worker) => worker.id === id));
    if (missing.length > 0)
      throw new NotFoundError(`worker ${quote(missing.join(', '))} not found or not ready`);
    return targets.workers;
  }
  const chosen = ready.filter(capable).map((worker) => worker.id);
  if (chosen.length === 0) throw unavailable();
  return targets?.count ? chosen.slice(0, targets.count) : chosen;
}
