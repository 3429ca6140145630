import { RedisClient, RedisKeys, hashTagOf } from '@gridllm/redis';
import { QueueRegistry } from '@gridllm/scheduler';

import { GridSampler } from './grid-sampler';

/** A Redis whose every stream's last entry is `1-<length of the job id>`; records each EVAL's keys. */
function fakeRedis() {
  const calls: string[][] = [];
  const redis = {
    eval: jest.fn(async (_script: string, count: number, ...keys: string[]) => {
      calls.push(keys.slice(0, count));
      return keys.map((key) => (key.endsWith(':gone') ? '' : `1-${key.split(':').pop()!.length}`));
    }),
  };
  return { redis, calls };
}

describe(GridSampler.name, () => {
  const sampler = (clustered: boolean) => {
    const fake = fakeRedis();
    const client = { redis: fake.redis, keys: new RedisKeys('p', clustered) } as unknown as RedisClient;
    return { sut: new GridSampler(client, {} as QueueRegistry), ...fake };
  };

  describe('linesStreamed', () => {
    it('reads the line count of every job from its stream’s last id, 0 for a stream not there', async () => {
      const { sut } = sampler(false);
      expect(await sut.linesStreamed(['a', 'bbb', 'gone'])).toEqual([1, 3, 0]);
    });

    it('reads 200 streams per call at most', async () => {
      const { sut, calls } = sampler(false);
      const ids = Array.from({ length: 450 }, (_, i) => `job${i}`);
      const lines = await sut.linesStreamed(ids);
      expect(calls.map((keys) => keys.length)).toEqual([200, 200, 50]);
      expect(lines).toEqual(ids.map((id) => id.length));
    });

    it('keeps each call within one hash slot in a Redis Cluster', async () => {
      const { sut, calls } = sampler(true);
      const ids = Array.from({ length: 300 }, (_, i) => `job-${i}`);
      const lines = await sut.linesStreamed(ids);
      expect(calls.length).toBeGreaterThan(1);
      for (const keys of calls) expect(new Set(keys.map(hashTagOf)).size).toBe(1);
      expect(calls.flat()).toHaveLength(300);
      expect(lines).toEqual(ids.map((id) => id.length));
    });
  });
});
