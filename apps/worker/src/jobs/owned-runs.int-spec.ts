import Redis from 'ioredis';

import { parseGridConfig } from '@gridllm/config';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';
import { LoopPacer, StreamOwnership, TokenStreamWriter } from '@gridllm/streaming';

import { RedisServer } from '../../../../test/support/redis-server';
import { OwnedRuns } from './owned-runs';

/**
 * What a lock renewal makes of a run's owner key, with the real scripts: the renewal and the run's terminal
 * batch go on two connections, so the renewal's "not yours" can be read before the batch's own reply.
 */
describe(OwnedRuns.name, () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let admin: Redis;
  let ownership: StreamOwnership;
  let streams: TokenStreamWriter;
  let sut: OwnedRuns;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'or' });
    factory = new RedisConnectionFactory(config.redis);
    const client = new RedisClient(factory, config.redis);
    ownership = new StreamOwnership(client, config.queue);
    streams = new TokenStreamWriter(client, factory, new LoopPacer(), config.queue);
    admin = server.client();
  });

  beforeEach(async () => {
    await admin.flushall();
    sut = new OwnedRuns();
  });

  afterAll(async () => {
    admin.disconnect();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  /** A run that owns `jobId`'s stream; its terminal batch gives the owner key up. */
  async function ownedRun(jobId: string) {
    const fence = ownership.newFence('w1');
    expect(await ownership.claim(jobId, fence)).toBeNull();
    const appender = streams.open(jobId, 1, fence, 60);
    sut.add(jobId, fence, appender);
    return { fence, appender };
  }

  it('does not take the key a run gave up with its final line for a lost job', async () => {
    const { fence, appender } = await ownedRun('done');
    appender.started('w1');
    await appender.flush();
    expect(sut.renewable()).toEqual([{ jobId: 'done', fence }]);
    expect(sut.lost('done')).toBe(true);

    const stored = appender.final('{"done":true}');
    // On its way, not yet stored: a renewal sent now reaches Redis after it. It is still renewed.
    expect(appender.ending).toBe(true);
    expect(appender.ended).toBe(false);
    expect(sut.renewable()).toEqual([{ jobId: 'done', fence }]);
    await stored;

    // That renewal answers "not yours" (the run's own batch deleted the key), and brings nothing back.
    expect(await ownership.renew(sut.renewable())).toEqual(['done']);
    expect(await admin.exists('or:job-owner:done')).toBe(0);
    expect(sut.lost('done')).toBe(false);
  });

  it('does the same for a run ending with an error line', async () => {
    const { appender } = await ownedRun('failed');
    const renewal = sut.renewable();
    await appender.error({ error: 'engine gone', status: 502 });

    expect(await ownership.renew(renewal)).toEqual(['failed']);
    expect(sut.lost('failed')).toBe(false);
  });

  it('counts a run whose key another run holds as lost while it is still writing', async () => {
    const { fence, appender } = await ownedRun('taken');
    appender.started('w1');
    await appender.flush();
    await admin.set('or:job-owner:taken', 'w2/other');

    expect(await ownership.renew(sut.renewable())).toEqual(['taken']);
    expect(sut.lost('taken')).toBe(true);
    expect(sut.fenceOf('taken')).toBe(fence);
  });

  it('knows nothing of a run once it is deleted, and keeps a later run of the same job', async () => {
    const first = await ownedRun('gone');
    sut.delete('gone', first.fence);
    expect(sut.lost('gone')).toBe(false);
    expect(sut.renewable()).toEqual([]);
    expect(sut.fenceOf('gone')).toBe('');

    const earlier = await ownedRun('again');
    await ownership.release('again', earlier.fence);
    const later = await ownedRun('again');
    // The earlier run ends after the later one claimed the job: the later one stays renewed.
    sut.delete('again', earlier.fence);
    expect(sut.renewable()).toEqual([{ jobId: 'again', fence: later.fence }]);
  });
});
