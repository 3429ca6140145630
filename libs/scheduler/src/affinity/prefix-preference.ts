import type { PrefixMatch } from './affinity-store';
import { PromptFingerprint, checkpointChars } from './prefix-fingerprint';

/**
 * Prompt characters whose prefill one busy slot of the preferred worker is worth: a slot there shares the
 * engine (one llama.cpp thread, or one GPU) with the new request. 1 KB is about one chat turn's new text
 * (~200 tokens), the prefill a running turn still has to do (docs/benchmarks.md, "Prefix affinity").
 */
export const BUSY_SLOT_CHARS = 1024;

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

/**
 * Characters of the matched prefix that the preferred worker holds beyond the common part (what many
 * workers hold): all of it for a conversation that stayed there, or moved there from one or two others.
 */
export function ownChars(match: PrefixMatch, fingerprint: PromptFingerprint): number {
  return checkpointChars(fingerprint, match.depth) - checkpointChars(fingerprint, match.commonDepth);
}

/**
 * Whether a prefix match is worth preferring its worker, given the characters it holds beyond the common
 * part (see ownChars). Never when it is gone or has no free slot, nor for a match that is all common (a
 * system prompt that new chats share: any worker saves as much, and preferring one would herd them onto
 * it). Otherwise when that outweighs its busy slots: an idle worker for any, a worker with n busy slots
 * for n × BUSY_SLOT_CHARS or more.
 */
export function worthPreferring(own: number, load: WorkerLoad | null): boolean {
  return Boolean(load?.free) && own > 0 && own >= (load?.busy ?? 0) * BUSY_SLOT_CHARS;
}
