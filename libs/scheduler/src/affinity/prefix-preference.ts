import type { PrefixMatch } from './affinity-store';
import { checkpointChars } from './prefix-fingerprint';

/**
 * Prompt characters whose prefill one busy slot of the preferred worker is worth: a slot there shares the
 * engine (one llama.cpp thread, or one GPU) with the new request. 2 KB is about one chat turn's prefill,
 * the work a running request still has to do on the demo model (docs/benchmarks.md, "Prefix affinity").
 */
export const BUSY_SLOT_CHARS = 2048;

/** The preferred worker's load as its last heartbeat published it. */
export interface WorkerLoad {
  runningJobs: number;
  slots: number;
}

/** Characters of the matched prefix that only the preferred worker served (the rest several workers hold). */
export function exclusiveChars(match: PrefixMatch): number {
  return checkpointChars(match.depth) - checkpointChars(match.sharedDepth);
}

/**
 * Whether a prefix match is worth preferring its worker. Not when several workers served all of it (a
 * shared system prompt: any of them saves as much, and preferring one would herd every new chat onto it),
 * nor when the worker is gone or full; otherwise when what it alone holds outweighs its busy slots:
 * an idle worker for any exclusive prefix, a worker with n busy slots for n × BUSY_SLOT_CHARS or more.
 */
export function worthPreferring(match: PrefixMatch, load: WorkerLoad | null): boolean {
  const exclusive = exclusiveChars(match);
  if (exclusive === 0 || !load || load.runningJobs >= load.slots) return false;
  return exclusive >= load.runningJobs * BUSY_SLOT_CHARS;
}
