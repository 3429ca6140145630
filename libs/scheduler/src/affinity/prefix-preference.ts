import type { PrefixMatch } from './affinity-store';
import { checkpointChars } from './prefix-fingerprint';

/**
 * Prompt characters whose prefill one busy slot of the preferred worker is worth: a slot there shares the
 * engine (one llama.cpp thread, or one GPU) with the new request. 2 KB is about one chat turn's prefill,
 * the work a running request still has to do on the demo model (docs/benchmarks.md, "Prefix affinity").
 */
export const BUSY_SLOT_CHARS = 2048;

/**
 * Hand changes up to which a prefix several workers served counts as one conversation that moved (its
 * latest worker holds the most of it); beyond, as a prefix many requests start with (a system prompt).
 */
export const MOVES_OF_ONE_CHAT = 2;

/** The preferred worker's load: its slots and running jobs from its last heartbeat (up to one interval old), and whether the availability board lists it with a free slot now (exact: written when that flips). */
export interface WorkerLoad {
  runningJobs: number;
  slots: number;
  free: boolean;
}

/** Characters of the matched prefix that only the preferred worker served (the rest several workers hold). */
export function exclusiveChars(match: PrefixMatch): number {
  return checkpointChars(match.depth) - checkpointChars(match.sharedDepth);
}

/**
 * Whether a prefix match is worth preferring its worker. Never when it is gone or has no free slot. When
 * several workers served all of the match: never for a prefix that changed hands often (a system prompt
 * that new chats share: any worker saves as much, and preferring one would herd them onto it); for a
 * conversation that moved once or twice, only while its latest worker is idle. Otherwise when what it
 * alone served outweighs its busy slots (n busy: n × BUSY_SLOT_CHARS or more).
 * Busy slots come from the heartbeat, capped below the slot count while the board says one is free.
 */
export function worthPreferring(match: PrefixMatch, load: WorkerLoad | null): boolean {
  if (!load?.free) return false;
  const busy = Math.min(load.runningJobs, load.slots - 1);
  const exclusive = exclusiveChars(match);
  if (exclusive > 0) return exclusive >= busy * BUSY_SLOT_CHARS;
  return busy === 0 && match.changes <= MOVES_OF_ONE_CHAT;
}
