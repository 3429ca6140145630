import { PREFIX_BLOCK_CHARS } from './prefix-fingerprint';
import { BUSY_SLOT_CHARS, exclusiveChars, worthPreferring } from './prefix-preference';

/** A match of `depth` checkpoints of which the first `sharedDepth` several workers served. */
const match = (depth: number, sharedDepth: number) => ({ depth, workerId: 'w-1', sharedDepth });
const idle = { runningJobs: 0, slots: 3 };

describe('prefix preference', () => {
  it('counts only the characters no other worker served', () => {
    // Checkpoints 1..8 are blocks 1..8; the 15th ends at block 28, the 16th at block 32.
    expect(exclusiveChars(match(16, 15))).toBe(4 * PREFIX_BLOCK_CHARS);
    expect(exclusiveChars(match(16, 16))).toBe(0);
  });

  it('does not prefer a worker for a prefix several workers served (a shared system prompt)', () => {
    expect(worthPreferring(match(15, 15), idle)).toBe(false);
  });

  it('prefers an idle worker for any prefix it alone served', () => {
    expect(worthPreferring(match(16, 15), idle)).toBe(true);
  });

  it('prefers a busy worker only when what it alone served outweighs its busy slots', () => {
    const short = match(16, 15); // 1 KB its own
    const long = match(20, 15); // blocks 29..64: 9 KB its own
    expect(4 * PREFIX_BLOCK_CHARS).toBeLessThan(BUSY_SLOT_CHARS);
    expect(worthPreferring(short, { runningJobs: 1, slots: 3 })).toBe(false);
    expect(worthPreferring(long, { runningJobs: 2, slots: 3 })).toBe(true);
  });

  it('does not prefer a worker that is gone or has no free slot', () => {
    expect(worthPreferring(match(20, 0), null)).toBe(false);
    expect(worthPreferring(match(20, 0), { runningJobs: 3, slots: 3 })).toBe(false);
  });
});
