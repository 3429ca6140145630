import { Queue, QueueKeys, Worker } from 'bullmq';
import Redis from 'ioredis';

import { InferenceJobData, JobKind } from '@gridllm/contracts';

import { RedisServer } from '../../../test/support/redis-server';
import { JobFinish } from './job-finish';
import { InferenceJob, JobTake, TakeRequest } from './job-take';

describe(JobFinish.name, () => {
  const server = new RedisServer();
  let admin: Redis;
  let connection: Redis;
  let queue: Queue;
  let consumer: Worker;
  let take: JobTake;
  let sut: JobFinish;
  const keys = new QueueKeys('jf').getKeys('m');

  beforeAll(async () => {
    await server.start();
    admin = server.client();
    connection = new Redis({ port: server.port, maxRetriesPerRequest: null });
    queue = new Queue('m', { connection, prefix: 'jf' });
    consumer = new Worker('m', null, { connection, prefix: 'jf', autorun: false });
    take = new JobTake(connection);
    sut = new JobFinish(connection);
  });

  beforeEach(() => admin.flushall());

  afterAll(async () => {
    await consumer.close();
    await queue.close();
    connection.disconnect();
    admin.disconnect();
    await server.stop();
  });

  const data = (id: string) =>
    ({
      id,
      kind: JobKind.Generate,
      model: 'm',
      request: { prompt: 'a long prompt' },
    }) as unknown as InferenceJobData;
  const request: TakeRequest = {
    queue: {} as TakeRequest['queue'],
    hintsKey: 'jf:hints',
    markerKey: keys.marker,
    token: 'token-1',
    lockMs: 30_000,
    workerId: 'w1',
    affinityDelayMs: 0,
    honourPreference: false,
    betterWorkers: 'none',
  };

  async function taken(id: string, retainSeconds = 3600): Promise<InferenceJob> {
    await queue.add('j', data(id), { priority: 1, jobId: id, removeOnComplete: { age: retainSeconds } });
    const reply = await take.take({ ...request, queue: consumer });
    if (reply.kind !== 'taken') throw new Error(`expected a job, got ${reply.kind}`);
    return reply.job;
  }

  const result = { workerId: 'w1', response: { model: 'm', response: 'hi', done: true } };

  it('completes the job as BullMQ would, keeping the finished record instead of the request', async () => {
    const job = await taken('a');
    await sut.completed(keys, job, 'token-1', result);

    expect(await queue.getJobState('a')).toBe('completed');
    const stored = await queue.getJob('a');
    expect(stored?.returnvalue).toEqual(result);
    expect(stored?.finishedOn).toBeGreaterThan(0);
    expect(stored?.attemptsMade).toBe(1);
    expect(stored?.data).toMatchObject({ id: 'a', request: {} });
    expect(await admin.exists(`${keys['']}a:lock`)).toBe(0);
    expect(await admin.llen(keys.active)).toBe(0);
  });

  it('removes completed jobs older than the retention, as removeOnComplete.age does', async () => {
    const old = await taken('old', 1);
    await sut.completed(keys, old, 'token-1', result);
    await admin.zadd(keys.completed, Date.now() - 5_000, 'old');
    const job = await taken('new', 1);
    await sut.completed(keys, job, 'token-1', result);

    expect(await admin.zrange(keys.completed, 0, -1)).toEqual(['new']);
    expect(await admin.exists(`${keys['']}old`)).toBe(0);
    expect(await queue.getJobState('new')).toBe('completed');
  });

  it('refuses, and changes nothing, when the lock is not this run’s or is gone', async () => {
    const job = await taken('b');
    await expect(sut.completed(keys, job, 'other-token', result)).rejects.toThrow(/Lock mismatch for job b/);
    await admin.del(`${keys['']}b:lock`);
    await expect(sut.completed(keys, job, 'token-1', result)).rejects.toThrow(/Missing lock for job b/);
    expect(await queue.getJobState('b')).toBe('active');
    expect((await queue.getJob('b'))?.data).toMatchObject({ request: { prompt: 'a long prompt' } });
  });
});
