import { specRedis } from '../../../../test/support/spec-redis';
import { RateCounter } from './rate-counter';

const WINDOW_MS = 60_000;

describe(RateCounter.name, () => {
  const redis = specRedis('rate');
  // Two counters on two connections: two gateway replicas.
  let replicas: RateCounter[];

  beforeAll(() => {
    replicas = [1, 2].map(
      (n) => new RateCounter(redis.factory.create(`replica-${n}`, { keyPrefix: 'rate:throttle:' })),
    );
  });

  const count = (i: number, limit = 3) => replicas[i % 2].increment('key_abc', WINDOW_MS, limit, WINDOW_MS);

  describe('increment', () => {
    it('counts one window across replicas, then blocks for the block duration', async () => {
      const counts = [];
      for (let i = 0; i < 5; i++) counts.push(await count(i));

      expect(counts.map((c) => [c.totalHits, c.isBlocked])).toEqual([
        [1, false],
        [2, false],
        [3, false],
        [4, true],
        [5, true],
      ]);
      expect(counts[0].timeToExpire).toBe(60);
      expect(counts[3].timeToBlockExpire).toBe(60);
    });

    it("keeps the counters under the throttler storage's key names, both expiring", async () => {
      for (let i = 0; i < 4; i++) await count(i);

      expect((await redis.admin.keys('rate:throttle:*')).sort()).toEqual([
        'rate:throttle:{key_abc:default}:blocked',
        'rate:throttle:{key_abc:default}:hits',
      ]);
      expect(await redis.admin.pttl('rate:throttle:{key_abc:default}:hits')).toBeGreaterThan(0);
      expect(await redis.admin.pttl('rate:throttle:{key_abc:default}:blocked')).toBeGreaterThan(0);
    });

    it('starts a new window once a block has run out', async () => {
      await replicas[0].increment('key_abc', 100, 1, 50);
      expect((await replicas[1].increment('key_abc', 100, 1, 50)).isBlocked).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));

      const after = await replicas[0].increment('key_abc', 100, 1, 50);

      expect(after).toMatchObject({ totalHits: 1, isBlocked: false });
    });

    it('still counts after Redis forgot its scripts (SCRIPT FLUSH, a restart)', async () => {
      await count(0);
      await redis.admin.script('FLUSH');

      await expect(count(1)).resolves.toMatchObject({ totalHits: 2, isBlocked: false });
    });
  });
});
