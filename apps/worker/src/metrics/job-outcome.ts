import { AbortReason } from '../jobs/abort-reason';

/** How a job ended on this worker, as `gridllm_worker_jobs_total` counts it. */
export type WorkerJobOutcome =
  'completed' | 'failed' | 'cancelled' | 'timed_out' | 'handed_back' | 'lock_lost';

/** The outcome of a job that threw, from why its AbortController fired (undefined: it did not). */
export function failedOutcome(abortReason: unknown): Exclude<WorkerJobOutcome, 'completed'> {
  switch (abortReason) {
    case AbortReason.Cancelled:
      return 'cancelled';
    case AbortReason.Deadline:
      return 'timed_out';
    case AbortReason.HandBack:
      return 'handed_back';
    case AbortReason.LockLost:
      return 'lock_lost';
    default:
      return 'failed';
  }
}

/** A failure nobody asked for (no cancel, deadline, shutdown or lost lock) is the engine's. */
export function isEngineFailure(abortReason: unknown): boolean {
  return failedOutcome(abortReason) === 'failed';
}
