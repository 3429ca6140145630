import { CHECKPOINT_BLOCKS, PREFIX_BLOCK_CHARS } from './prefix-fingerprint';
import { BUSY_SLOT_CHARS, busySlots, ownChars, worthPreferring } from './prefix-preference';

/** A match of `depth` checkpoints of which the first `commonDepth` are common to many workers. */
const match = (depth: number, commonDepth: number) => ({ depth, workerId: 'w-1', commonDepth, expiresAt: 0 });
/** A long prompt's checkpoints: the grid's, and a message end at block 30. */
const blocks = [...CHECKPOINT_BLOCKS.slice(0, 15), 30, ...CHECKPOINT_BLOCKS.slice(15)];
const fingerprint = { hashes: blocks.map(String), blocks };
const load = (busy: number, free = true) => ({ busy, free });

describe('prefix preference', () => {
  it('counts only the characters beyond the common part, at the blocks of the prompt’s own checkpoints', () => {
    // Checkpoints 1..8 are blocks 1..8; the 15th ends at block 28, the 16th at the message end (30).
    expect(ownChars(match(16, 15), fingerprint)).toBe(2 * PREFIX_BLOCK_CHARS);
    expect(ownChars(match(17, 15), fingerprint)).toBe(4 * PREFIX_BLOCK_CHARS);
    expect(ownChars(match(16, 16), fingerprint)).toBe(0);
  });

  it('never prefers a worker for a prefix common to many workers (a system prompt new chats share)', () => {
    expect(worthPreferring(0, load(0))).toBe(false);
  });

  it('prefers an idle worker for any prefix it holds beyond the common part', () => {
    expect(worthPreferring(PREFIX_BLOCK_CHARS, load(0))).toBe(true);
  });

  it('prefers a busy worker only when what it holds beyond the common part outweighs its busy slots', () => {
    const short = ownChars(match(9, 8), fingerprint); // blocks 9..10: 512 characters its own
    const long = ownChars(match(21, 15), fingerprint); // blocks 29..64: 9 KB its own
    expect(short).toBeLessThan(BUSY_SLOT_CHARS);
    expect(worthPreferring(short, load(1))).toBe(false);
    expect(worthPreferring(long, load(2))).toBe(true);
  });

  describe('busySlots', () => {
    const beat = (runningJobs: number, slots: number, lastHeartbeatAt: number) => ({
      runningJobs,
      slots,
      lastHeartbeatAt,
      heartbeatIntervalMs: 1_000,
    });

    it('takes the heartbeat’s running jobs when it came before, or long after, this prefix was served', () => {
      expect(busySlots(beat(2, 3, 1_000), true, 2_000)).toBe(2);
      expect(busySlots(beat(2, 3, 3_500), true, 2_000)).toBe(2);
    });

    it('does not count the turn that served this prefix when the heartbeat came just after it was taken', () => {
      expect(busySlots(beat(2, 3, 2_400), true, 2_000)).toBe(1);
      expect(busySlots(beat(0, 3, 2_400), true, 2_000)).toBe(0);
    });

    it('trusts the board over an older heartbeat: a worker listed free has a slot free', () => {
      expect(busySlots(beat(1, 1, 1_000), true, 2_000)).toBe(0);
      expect(busySlots(beat(3, 3, 1_000), false, 2_000)).toBe(3);
    });
  });

  it('does not prefer a worker that is gone or has no free slot', () => {
    expect(worthPreferring(16 * BUSY_SLOT_CHARS, null)).toBe(false);
    expect(worthPreferring(16 * BUSY_SLOT_CHARS, load(0, false))).toBe(false);
  });
});
