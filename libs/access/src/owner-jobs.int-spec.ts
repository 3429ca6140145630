import { specRedis } from '../../../test/support/spec-redis';
import { OwnerJobs } from './owner-jobs';

// Real times: the set's own expiry (PEXPIREAT) follows the entries, so they must lie in Redis's future.
const NOW = Date.now();
const LATER = NOW + 120_000;

describe(OwnerJobs.name, () => {
  const redis = specRedis('slots');
  let sut: OwnerJobs;
  let other: OwnerJobs;

  beforeAll(() => {
    sut = new OwnerJobs(redis.newClient());
    // A second gateway: its own connection, the same Redis.
    other = new OwnerJobs(redis.newClient());
  });

  describe('admit', () => {
    it('admits jobs up to the limit and refuses the next, saying how many it holds', async () => {
      expect(await sut.admit('key_a', 'j1', 2, LATER, NOW)).toEqual({ admitted: true, holding: 1 });
      expect(await sut.admit('key_a', 'j2', 2, LATER, NOW)).toEqual({ admitted: true, holding: 2 });
      expect(await sut.admit('key_a', 'j3', 2, LATER, NOW)).toEqual({ admitted: false, holding: 2 });
      expect(await redis.admin.zrange('slots:owner-jobs:key_a', 0, -1)).toEqual(['j1', 'j2']);
    });

    it('counts each owner on its own', async () => {
      await sut.admit('key_a', 'j1', 1, LATER, NOW);

      expect(await sut.admit('key_b', 'j2', 1, LATER, NOW)).toEqual({ admitted: true, holding: 1 });
    });

    it('admits the same job twice without taking a second slot', async () => {
      await sut.admit('key_a', 'j1', 2, LATER, NOW);

      expect(await sut.admit('key_a', 'j1', 2, LATER, NOW)).toEqual({ admitted: true, holding: 1 });
    });

    it('no longer counts jobs whose expiry has passed (their worker died)', async () => {
      await sut.admit('key_a', 'dead', 1, NOW + 60_000, NOW);

      expect(await sut.admit('key_a', 'j2', 1, LATER, NOW + 59_999)).toEqual({ admitted: false, holding: 1 });
      expect(await sut.admit('key_a', 'j2', 1, LATER, NOW + 60_001)).toEqual({ admitted: true, holding: 1 });
      expect(await redis.admin.zrange('slots:owner-jobs:key_a', 0, -1)).toEqual(['j2']);
    });

    it('lets the set expire with its last entry', async () => {
      const now = Date.now();
      await sut.admit('key_a', 'j1', 5, now + 20_000, now);
      await sut.admit('key_a', 'j2', 5, now + 50_000, now);
      await sut.admit('key_a', 'j3', 5, now + 30_000, now);

      const pttl = await redis.admin.pttl('slots:owner-jobs:key_a');
      expect(pttl).toBeGreaterThan(40_000);
      expect(pttl).toBeLessThanOrEqual(50_000);
    });

    it('never admits more than the limit when gateways admit at the same time', async () => {
      const attempts = Array.from({ length: 40 }, (_, n) =>
        (n % 2 ? sut : other).admit('key_a', `j${n}`, 3, LATER, NOW),
      );
      const results = await Promise.all(attempts);

      expect(results.filter((result) => result.admitted)).toHaveLength(3);
      expect(await redis.admin.zcard('slots:owner-jobs:key_a')).toBe(3);
    });
  });

  describe('release', () => {
    it('frees the slot for the next job', async () => {
      await sut.admit('key_a', 'j1', 1, LATER, NOW);
      await sut.release('key_a', 'j1');

      expect(await sut.admit('key_a', 'j2', 1, LATER, NOW)).toEqual({ admitted: true, holding: 1 });
    });

    it('is a no-op for a job that holds no slot', async () => {
      await sut.admit('key_a', 'j1', 2, LATER, NOW);
      await sut.release('key_a', 'unknown');

      expect(await sut.count('key_a', NOW)).toBe(1);
    });
  });

  describe('count', () => {
    it('counts only entries that have not expired', async () => {
      await sut.admit('key_a', 'short', 5, NOW + 60_000, NOW);
      await sut.admit('key_a', 'long', 5, LATER, NOW);

      expect(await sut.count('key_a', NOW)).toBe(2);
      expect(await sut.count('key_a', NOW + 60_000)).toBe(1);
    });
  });
});
