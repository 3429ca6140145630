import { parseGridConfig } from '@gridllm/config';
import { JobKind } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import Redis from 'ioredis';

import { RedisServer } from '../../../test/support/redis-server';
import { JobSchedulerService } from './job-scheduler.service';
import { jobSchedulerFor } from './job-scheduler.testing';
import { QueueRegistry } from './queue-registry';

const PAUSE_MS = 1500;

describe(JobSchedulerService.name, () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let queues: QueueRegistry;
  let admin: Redis;
  let sut: JobSchedulerService;
  /** Set by a test: runs once the model checks passed, right before the job is written. */
  let beforeEnqueue: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'sched' });
    factory = new RedisConnectionFactory(config.redis);
    const client = new RedisClient(factory, config.redis);
    queues = new QueueRegistry(factory, config.redis);
    admin = server.client();
    // The one stand-in: a registry that says the model is served, then lets the test act.
    const registry = {
      availability: async () => {
        await beforeEnqueue();
        return 'served';
      },
    } as unknown as WorkerRegistry;
    sut = jobSchedulerFor({ queues, registry, client, factory, config });
  });

  afterAll(async () => {
    admin.disconnect();
    await queues.onApplicationShutdown();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  describe('submit', () => {
    it('leaves no job behind when its write timed out (a refused request stores nothing)', async () => {
      const request = { model: 'm', prompt: 'p'.repeat(1024 * 1024) };
      beforeEnqueue = async () => {
        // Let the capacity check finish, then hold every write longer than the command timeout (700 ms).
        await new Promise((resolve) => setTimeout(resolve, 100));
        await admin.client('PAUSE', PAUSE_MS, 'WRITE');
      };

      await expect(sut.submit({ kind: JobKind.Generate, model: 'm', request })).rejects.toThrow(/timed out/i);
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS + 500));

      const keys = await admin.keys('sched:*');
      const sizes = await Promise.all(keys.map(async (key) => (await admin.memory('USAGE', key)) ?? 0));
      expect(await queues.forModel('m:latest').getJobCounts('wait', 'prioritized', 'active')).toEqual({
        wait: 0,
        prioritized: 0,
        active: 0,
      });
      expect(keys.filter((key) => key.includes(':job-queue:'))).toEqual([]);
      expect(Math.max(0, ...sizes)).toBeLessThan(64 * 1024);
    });

    it('stores the job whole while it waits', async () => {
      beforeEnqueue = async () => undefined;
      const job = await sut.submit({ kind: JobKind.Generate, model: 'm', request: { prompt: 'hello' } });
      const stored = await queues.forModel('m:latest').getJob(job.id);
      expect(stored?.data.request).toEqual({ prompt: 'hello' });
      expect(job.request).toEqual({});
    });
  });
});
