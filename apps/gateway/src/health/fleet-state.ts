import { WorkerInfo } from '@gridllm/contracts';

/** One state per live worker, so the counts add up to the workers online. */
export type WorkerState = 'available' | 'busy' | 'not_ready' | 'draining' | 'cordoned';

export const WORKER_STATES: readonly WorkerState[] = [
  'available',
  'busy',
  'not_ready',
  'draining',
  'cordoned',
];

/** The fleet as health and metrics show it. */
export interface FleetSummary {
  online: number;
  /** Ready workers, busy or not. */
  ready: number;
  busy: number;
  notReady: number;
  draining: number;
  /** Stopped from taking new jobs by an operator (/admin/workers/:id/cordon). */
  cordoned: number;
  /** Kept out of placement by deep health (stalled jobs or repeated engine failures), until a canary succeeds. */
  circuitOpen: number;
  states: Record<WorkerState, number>;
  slots: number;
  runningJobs: number;
  freeSlots: number;
}

/** Busy means ready with every slot taken; draining and not-ready workers take no jobs at all. */
export function workerState(worker: Pick<WorkerInfo, 'status' | 'slots' | 'runningJobs'>): WorkerState {
  switch (worker.status) {
    case 'ready':
      return worker.runningJobs >= worker.slots ? 'busy' : 'available';
    case 'draining':
      return 'draining';
    case 'cordoned':
      return 'cordoned';
    default:
      return 'not_ready';
  }
}

export function summarizeFleet(
  workers: ReadonlyArray<Pick<WorkerInfo, 'status' | 'slots' | 'runningJobs' | 'circuit'>>,
): FleetSummary {
  const states = Object.fromEntries(WORKER_STATES.map((state) => [state, 0])) as Record<WorkerState, number>;
  let slots = 0;
  let runningJobs = 0;
  let freeSlots = 0;
  let circuitOpen = 0;
  for (const worker of workers) {
    if (worker.circuit && worker.circuit !== 'closed') circuitOpen += 1;
    const state = workerState(worker);
    states[state] += 1;
    slots += worker.slots;
    runningJobs += worker.runningJobs;
    if (state === 'available') freeSlots += worker.slots - worker.runningJobs;
  }
  return {
    online: workers.length,
    ready: states.available + states.busy,
    busy: states.busy,
    notReady: states.not_ready,
    draining: states.draining,
    cordoned: states.cordoned,
    circuitOpen,
    states,
    slots,
    runningJobs,
    freeSlots,
  };
}
