import { parseGridConfig } from '@gridllm/config';
import { JobKind } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import { Worker } from 'bullmq';

import { RedisServer } from '../../../test/support/redis-server';
import { JobInspector } from './job-inspector.service';
import { jobSchedulerFor } from './job-scheduler.testing';
import { QueueRegistry } from './queue-registry';

describe(JobInspector.name, () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let queues: QueueRegistry;
  let sut: JobInspector;
  let scheduler: ReturnType<typeof jobSchedulerFor>;
  let consumer: Worker;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'inspect' });
    factory = new RedisConnectionFactory(config.redis);
    const client = new RedisClient(factory, config.redis);
    queues = new QueueRegistry(factory, config.redis);
    // The one stand-in: a registry that says every model is served (no worker needs to publish).
    const registry = {
      availability: async () => 'served',
      verifiesClaims: true,
    } as unknown as WorkerRegistry;
    scheduler = jobSchedulerFor({ queues, registry, client, factory, config });
    sut = new JobInspector(scheduler, client, registry);
    consumer = new Worker('m%3Alatest', null, {
      connection: factory.create('test-consumer'),
      prefix: config.redis.prefix,
    });
  });

  afterAll(async () => {
    await consumer.close();
    await queues.onApplicationShutdown();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  it('never shows a job that completes while it is read as completed without its result', async () => {
    const submitted = await scheduler.submit({
      kind: JobKind.Generate,
      model: 'm',
      request: { prompt: 'p' },
    });
    const taken = await consumer.getNextJob('token');
    if (!taken) throw new Error('the job was not taken');
    expect(taken.id).toBe(submitted.id);
    const result = { workerId: 'w', response: { model: 'm:latest', response: 'done', done: true } };
    // The completion lands between the inspector's reads: right after it read the job's record.
    const queue = queues.forModel('m:latest');
    const readRecord = queue.getJob.bind(queue);
    jest.spyOn(queue, 'getJob').mockImplementationOnce(async (id) => {
      const record = await readRecord(id);
      await taken.moveToCompleted(result, 'token', false);
      return record;
    });

    const during = await sut.describe(submitted.id);
    expect(during).toMatchObject({ state: 'active', result: undefined });
    expect(await sut.describe(submitted.id)).toMatchObject({ state: 'completed', result: result.response });
  });
});
