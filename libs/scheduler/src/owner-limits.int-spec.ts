import { OwnerJobs, UsageLedger } from '@gridllm/access';
import { LimitExceededError } from '@gridllm/contracts';

import { specRedis } from '../../../test/support/spec-redis';
import { OwnerLimits } from './owner-limits';

const NOV_27_2200 = Date.parse('2026-11-27T22:00:00Z');

/** The LimitExceededError a promise rejects with (fails the test when it resolves). */
async function refusal(promise: Promise<unknown>): Promise<LimitExceededError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LimitExceededError);
  return error as LimitExceededError;
}

describe(OwnerLimits.name, () => {
  const redis = specRedis('limits');
  let ledger: UsageLedger;
  let sut: OwnerLimits;

  beforeAll(() => {
    const client = redis.newClient();
    ledger = new UsageLedger(client);
    sut = new OwnerLimits(ledger, new OwnerJobs(client));
  });

  describe('checkQuota', () => {
    it('lets an owner through while it has tokens left in the period', async () => {
      await ledger.record('key_a', 'm:latest', { promptTokens: 400, completionTokens: 599 }, NOV_27_2200);

      await expect(
        sut.checkQuota({ id: 'key_a', tokenQuota: { tokens: 1000, period: 'day' } }, NOV_27_2200),
      ).resolves.toBeUndefined();
    });

    it('refuses a daily quota that is used up, until the next UTC midnight', async () => {
      await ledger.record('key_a', 'm:latest', { promptTokens: 600, completionTokens: 634 }, NOV_27_2200);

      const error = await refusal(
        sut.checkQuota({ id: 'key_a', tokenQuota: { tokens: 1000, period: 'day' } }, NOV_27_2200),
      );

      expect(error.message).toBe(
        'token quota exhausted: key key_a used 1234 of 1000 tokens today; resets at 2026-11-28T00:00:00Z',
      );
      expect(error.retryAfterSeconds).toBe(2 * 3600);
    });

    it('refuses a lifetime quota for a day at a time, saying it does not reset', async () => {
      await ledger.record('key_a', 'm:latest', { promptTokens: 5, completionTokens: 5 }, NOV_27_2200);

      const error = await refusal(
        sut.checkQuota({ id: 'key_a', tokenQuota: { tokens: 10, period: 'total' } }, NOV_27_2200),
      );

      expect(error.message).toBe(
        'token quota exhausted: key key_a used 10 of 10 tokens in total; it does not reset',
      );
      expect(error.retryAfterSeconds).toBe(86_400);
    });

    it("counts a new month's quota afresh", async () => {
      await ledger.record('key_a', 'm:latest', { promptTokens: 50, completionTokens: 50 }, NOV_27_2200);

      await expect(
        sut.checkQuota(
          { id: 'key_a', tokenQuota: { tokens: 100, period: 'month' } },
          Date.parse('2026-12-01T00:00:00Z'),
        ),
      ).resolves.toBeUndefined();
    });
  });

  describe('holdSlot', () => {
    it("refuses a job beyond the owner's concurrency limit, retry after a second", async () => {
      const owner = { id: 'key_a', maxConcurrent: 1 };
      const deadline = Date.now() + 60_000;
      await sut.holdSlot(owner, 'j1', deadline);

      const error = await refusal(sut.holdSlot(owner, 'j2', deadline));

      expect(error.message).toBe('key key_a already has 1 jobs queued or running (its limit is 1)');
      expect(error.retryAfterSeconds).toBe(1);
    });

    it('holds a slot past the deadline, so a dead worker frees it only a little later', async () => {
      const deadline = Date.now() + 60_000;
      await sut.holdSlot({ id: 'key_a', maxConcurrent: 3 }, 'j1', deadline);

      const score = Number(await redis.admin.zscore('limits:owner-jobs:key_a', 'j1'));
      expect(score).toBeGreaterThan(deadline);
      expect(score).toBeLessThanOrEqual(deadline + 60_000);
    });

    it('takes no slot for an owner without a limit', async () => {
      await sut.holdSlot({ id: 'key_a' }, 'j1', Date.now() + 60_000);
      await sut.holdSlot({ id: 'key_a', maxConcurrent: 0 }, 'j2', Date.now() + 60_000);

      expect(await redis.admin.exists('limits:owner-jobs:key_a')).toBe(0);
    });

    it('admits the next job once a slot is released', async () => {
      const owner = { id: 'key_a', maxConcurrent: 1 };
      await sut.holdSlot(owner, 'j1', Date.now() + 60_000);
      await sut.release('key_a', 'j1');

      await expect(sut.holdSlot(owner, 'j2', Date.now() + 60_000)).resolves.toBeUndefined();
    });
  });
});
