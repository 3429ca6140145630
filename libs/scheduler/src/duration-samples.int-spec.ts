import { commandCalls } from '../../../test/support/command-calls';
import { specRedis } from '../../../test/support/spec-redis';
import { DURATION_SAMPLES, DurationSamples } from './duration-samples';

describe(DurationSamples.name, () => {
  const redis = specRedis('ds');
  const key = (model: string) => `ds:job-durations:${model}`;
  const calls = (command: string) => commandCalls(redis.admin, command);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('writes a first run time at once, and what follows within the interval together, newest first', async () => {
    const sut = new DurationSamples(redis.newClient(), 60_000);
    sut.record('a', 999);
    await settle();
    expect(await redis.admin.lrange(key('a'), 0, -1)).toEqual(['999']);

    for (let ms = 1; ms <= 3; ms++) sut.record('a', ms);
    for (let ms = 1; ms <= 60; ms++) sut.record('b', ms);
    await settle();
    expect(await redis.admin.llen(key('a'))).toBe(1);
    expect(await redis.admin.exists(key('b'))).toBe(0);
    const pushes = await calls('lpush');

    await sut.flush();

    expect(await calls('lpush')).toBe(pushes + 2);
    expect(await redis.admin.lrange(key('a'), 0, -1)).toEqual(['3', '2', '1', '999']);
    const b = await redis.admin.lrange(key('b'), 0, -1);
    expect(b).toHaveLength(DURATION_SAMPLES);
    expect(b[0]).toBe('60');
    expect(b[DURATION_SAMPLES - 1]).toBe('11');
  });

  it('writes what waited once the interval has passed', async () => {
    const sut = new DurationSamples(redis.newClient(), 100);
    sut.record('c', 1);
    sut.record('c', 2);
    await settle();
    expect(await redis.admin.lrange(key('c'), 0, -1)).toEqual(['1']);

    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await redis.admin.lrange(key('c'), 0, -1)).toEqual(['2', '1']);
  });
});
