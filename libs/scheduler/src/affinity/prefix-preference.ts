import type { PrefixMatch } from './affinity-store';
import { checkpointChars } from './prefix-fingerprint';

/**
 * Prompt characters whose prefill one busy slot of the preferred worker is worth: a slot there shares the
 * engine (one llama.cpp thread, or one GPU) with the new request. 1 KB is about one chat turn's new text
 * (~200 tokens), the prefill a running turn still has to do (docs/benchmarks.md, "Prefix affinity").
 */
export const BUSY_SLOT_CHARS = 1024;

/**
 * Hand changes up to which a prefix several workers served counts as one conversation that moved (its
 * latest worker holds the most of it); beyond, as a prefix many requests start with (a system prompt).
 */
export const MOVES_OF_ONE_CHAT = 2;

/** The preferred worker's load: busy slots (see busySlots) and whether the board lists it with a free one. */
export interface WorkerLoad {
  busy: number;
  free: boolean;
}

/** What the worker's last heartbeat said (up to one interval old). */
export interface HeartbeatLoad {
  runningJobs: number;
  slots: number;
  lastHeartbeatAt: number;
  heartbeatIntervalMs: number;
}

/**
 * The preferred worker's busy slots, from its last heartbeat: less the job that served this prefix when
 * the heartbeat came within one interval after it was taken (it likely counted that job, and a follow-up
 * turn is sent once the turn before it ended), and below its slot count while the board, written
 * whenever that flips, lists a slot free.
 */
export function busySlots(beat: HeartbeatLoad, free: boolean, servedAt: number): number {
  const since = beat.lastHeartbeatAt - servedAt;
  const counted = beat.runningJobs - (since >= 0 && since < beat.heartbeatIntervalMs ? 1 : 0);
  return Math.max(0, free ? Math.min(counted, beat.slots - 1) : counted);
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
 */
export function worthPreferring(match: PrefixMatch, load: WorkerLoad | null): boolean {
  if (!load?.free) return false;
  const { busy } = load;
  const exclusive = exclusiveChars(match);
  if (exclusive > 0) return exclusive >= busy * BUSY_SLOT_CHARS;
  return busy === 0 && match.changes <= MOVES_OF_ONE_CHAT;
}
