import { delivered, nextAttemptAt, pollDelayMs, retryDelayMs } from './delivery-schedule';

describe('delivery schedule', () => {
  const settings = { firstRetryMs: 5000, retryWindowMs: 86_400_000 };

  describe(retryDelayMs.name, () => {
    it('retries first after the configured delay, then doubles, capped at an hour', () => {
      expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 5000))).toEqual([5000, 10000, 20000, 40000]);
      expect(retryDelayMs(30, 5000)).toBe(3_600_000);
    });
  });

  describe(nextAttemptAt.name, () => {
    it('schedules the first retry within 10 s of the first failure', () => {
      const now = 1_000_000;
      expect(nextAttemptAt({ attemptCount: 1, firstAttemptAt: now }, now, settings)).toBe(now + 5000);
    });

    it('gives up once the retry window since the first attempt is over', () => {
      const first = 1_000_000;
      const late = first + settings.retryWindowMs;
      expect(nextAttemptAt({ attemptCount: 40, firstAttemptAt: first }, late, settings)).toBeNull();
    });

    it('makes a last attempt at the end of the window rather than after it', () => {
      const first = 1_000_000;
      const now = first + settings.retryWindowMs - 1000;
      expect(nextAttemptAt({ attemptCount: 40, firstAttemptAt: first }, now, settings)).toBe(
        first + settings.retryWindowMs,
      );
    });
  });

  describe(pollDelayMs.name, () => {
    it('looks again soon for young jobs and at most every 15 s for old ones', () => {
      expect(pollDelayMs(0)).toBe(250);
      expect(pollDelayMs(10_000)).toBe(1000);
      expect(pollDelayMs(3_600_000)).toBe(15_000);
    });
  });

  describe(delivered.name, () => {
    it('counts only 2xx answers', () => {
      expect([200, 204, 299].every(delivered)).toBe(true);
      expect([undefined, 199, 301, 302, 400, 500].some(delivered)).toBe(false);
    });
  });
});
