import { QueueCountReuse, UNCOUNTED_JOBS } from './queue-count-reuse';

const MODEL = 'm:latest';
const TTL_MS = 250;
/** Far from both limits unless a test says otherwise. */
const LIMITS = { maxOpen: 900, maxWaiting: 512 };
const counted = (waiting = 1, open = 1) => ({ stored: true, queue: { waiting, open } });
const uncounted = { stored: true };

describe(QueueCountReuse.name, () => {
  /** A reuse whose first enqueue counted the queue at time 0. */
  function afterCount(waiting = 1, open = 1): QueueCountReuse {
    const sut = new QueueCountReuse(TTL_MS);
    expect(sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, 0)).toBe(true);
    sut.settle(MODEL, true, counted(waiting, open), 0);
    return sut;
  }

  /** `jobs` enqueues one after the other: whether each was told to count. */
  function inTurn(sut: QueueCountReuse, jobs: number, now = 0): boolean[] {
    return Array.from({ length: jobs }, () => {
      const mustCount = sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, now);
      sut.settle(MODEL, mustCount, mustCount ? counted() : uncounted, now);
      return mustCount;
    });
  }

  it('counts the queue first, then once every eight enqueues while far from the limits', () => {
    const sut = new QueueCountReuse(TTL_MS);
    expect(inTurn(sut, 17)).toEqual([true, ...Array(7).fill(false), true, ...Array(7).fill(false), true]);
    expect(UNCOUNTED_JOBS).toBe(7);
  });

  it('lets no more than seven concurrent enqueues skip one count', () => {
    const sut = afterCount();
    const told = Array.from({ length: 10 }, () => sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, 1));
    expect(told).toEqual([...Array(7).fill(false), true, true, true]);
  });

  it('keeps enqueues still on their way reserved when a newer count comes back', () => {
    const sut = afterCount();
    for (let n = 0; n < 3; n++)
      expect(sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, 1)).toBe(false);
    // A count made meanwhile may not include those three: only four more may skip it.
    sut.settle(MODEL, true, counted(), 2);
    expect(inTurn(sut, 5, 3)).toEqual([false, false, false, false, true]);
  });

  it('counts every enqueue near MAX_QUEUE_PER_MODEL or near the open jobs allowed', () => {
    // 20 waiting at most: within 8 of it is near. 11 after this job is far, 12 near.
    const waiting = afterCount(10, 10);
    expect(waiting.mustCount(MODEL, 900, 20, 1)).toBe(false);
    expect(waiting.mustCount(MODEL, 900, 20, 1)).toBe(true);
    // 90 open at most: within 9 of it is near. 80 after this job is far, 81 near.
    expect(afterCount(0, 79).mustCount(MODEL, 90, 512, 1)).toBe(false);
    expect(afterCount(0, 80).mustCount(MODEL, 90, 512, 1)).toBe(true);
  });

  it('counts again once the last count is stale, or after a job was not stored', () => {
    const sut = afterCount();
    expect(sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, TTL_MS - 1)).toBe(false);
    sut.settle(MODEL, false, uncounted, TTL_MS - 1);
    expect(sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, TTL_MS)).toBe(true);

    const refused = afterCount();
    refused.settle(MODEL, true, { stored: false }, 1);
    expect(refused.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, 2)).toBe(true);
  });

  it('keeps a failed enqueue reserved: it may have been stored', () => {
    const sut = afterCount();
    for (let n = 0; n < UNCOUNTED_JOBS; n++) {
      expect(sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, 1)).toBe(false);
      sut.settle(MODEL, false, null, 1);
    }
    expect(sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, 1)).toBe(true);
  });

  it('keeps each model to its own count', () => {
    const sut = afterCount();
    expect(sut.mustCount('other:latest', LIMITS.maxOpen, LIMITS.maxWaiting, 1)).toBe(true);
    expect(sut.mustCount(MODEL, LIMITS.maxOpen, LIMITS.maxWaiting, 1)).toBe(false);
  });
});
