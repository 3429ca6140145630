import Redis from 'ioredis';
import { Queue } from 'bullmq';

import { parseGridConfig } from '@gridllm/config';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { RedisServer } from '../../../test/support/redis-server';
import { QueueBacklog } from './queue-backlog';

describe(QueueBacklog.name, () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let admin: Redis;
  let queue: Queue;
  let queueConnection: Redis;
  let sut: QueueBacklog;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'qb' });
    factory = new RedisConnectionFactory(config.redis);
    sut = new QueueBacklog(new RedisClient(factory, config.redis));
    admin = server.client();
    queueConnection = server.client();
    queue = new Queue('m', { connection: queueConnection, prefix: 'qb' });
  });

  beforeEach(() => admin.flushall());

  afterAll(async () => {
    await queue.close();
    queueConnection.disconnect();
    admin.disconnect();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  const keys = () => ({
    wait: queue.keys.wait,
    prioritized: queue.keys.prioritized,
    marker: queue.keys.marker,
  });

  describe('settle', () => {
    it('counts waiting jobs and leaves the marker for the next taker', async () => {
      await queue.add('j', {}, { priority: 2 });
      await queue.add('j', {});
      expect(await sut.settle(keys())).toBe(2);
      expect(await admin.zscore(queue.keys.marker, '0')).toBe('0');
    });

    it('takes the marker out when no job waits, so a sleeper is not woken for nothing', async () => {
      await admin.zadd(queue.keys.marker, 0, '0');
      expect(await sut.settle(keys())).toBe(0);
      expect(await admin.zcard(queue.keys.marker)).toBe(0);
    });

    it('lets a job added after it set the marker again', async () => {
      await admin.zadd(queue.keys.marker, 0, '0');
      await sut.settle(keys());
      await queue.add('j', {}, { priority: 1 });
      expect(await admin.zscore(queue.keys.marker, '0')).toBe('0');
    });
  });
});
