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
    sut = new JobFinish(connection, 30_000);
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
    return takeQueued(id);
  }

  /** Takes a job already in the queue. */
  async function takeQueued(id: string): Promise<InferenceJob> {
    const reply = await take.take({ ...request, queue: consumer });
    if (reply.kind !== 'taken' || reply.job.id !== id)
      throw new Error(`expected job ${id}, got ${reply.kind}`);
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

  it("stores a summary of the result beside it: the worker and the engine's counts the dashboard lists", async () => {
    const job = await taken('summed');
    const response = {
      model: 'm',
      response: 'hi',
      done: true,
      eval_count: 7,
      load_duration: 5,
      context: [1, 2],
    };
    await sut.completed(keys, job, 'token-1', { workerId: 'w1', response });

    const summary = await admin.hget(`${keys['']}summed`, 'gridllm-summary');
    expect(JSON.parse(summary ?? 'null')).toEqual({ workerId: 'w1', eval_count: 7, load_duration: 5 });
  });

  it('fails the job as BullMQ would, with its reason and the finished record instead of the request', async () => {
    await queue.add('j', data('bad'), { priority: 1, jobId: 'bad', removeOnFail: { age: 3600 } });
    const job = await takeQueued('bad');
    await sut.failed(keys, job, 'token-1', 'model "m" not found');

    expect(await queue.getJobState('bad')).toBe('failed');
    const stored = await queue.getJob('bad');
    expect(stored?.failedReason).toBe('model "m" not found');
    expect(stored?.finishedOn).toBeGreaterThan(0);
    expect(stored?.attemptsMade).toBe(1);
    expect(stored?.data).toMatchObject({ id: 'bad', request: {} });
    expect(await admin.exists(`${keys['']}bad:lock`)).toBe(0);
    expect(await admin.llen(keys.active)).toBe(0);
  });

  it('counts the attempt made on top of those the job had when taken', async () => {
    await queue.add('j', data('again'), { priority: 1, jobId: 'again' });
    await admin.hset(`${keys['']}again`, 'atm', 2);
    const job = await takeQueued('again');
    await sut.completed(keys, job, 'token-1', result);

    expect((await queue.getJob('again'))?.attemptsMade).toBe(3);
  });

  describe('retention', () => {
    const expiry = `${keys['']}gridllm-expiry:completed`;
    const sweepingAlways = () => new JobFinish(connection, 30_000, { intervalMs: 0, limit: 1000 });
    const completedIds = async () => (await admin.zrange(keys.completed, 0, -1)).sort();

    it('removes each job once its own retention has passed', async () => {
      const finish = sweepingAlways();
      await finish.completed(keys, await taken('short', 1), 'token-1', result);
      await finish.completed(keys, await taken('long', 3600), 'token-1', result);
      await admin.zadd(expiry, Date.now() - 1, 'short');
      await finish.completed(keys, await taken('next', 1), 'token-1', result);

      expect(await completedIds()).toEqual(['long', 'next']);
      expect(await admin.exists(`${keys['']}short`)).toBe(0);
      expect(await admin.zscore(expiry, 'short')).toBeNull();
      expect(await queue.getJobState('long')).toBe('completed');
    });

    it("keeps a job kept longer than the one completing (BullMQ's age rule removed it)", async () => {
      const finish = sweepingAlways();
      await finish.completed(keys, await taken('async', 3600), 'token-1', result);
      // Finished 5 s ago: older than the next job's 1 s retention, well within its own hour.
      await admin.zadd(keys.completed, Date.now() - 5_000, 'async');
      await finish.completed(keys, await taken('sync', 1), 'token-1', result);

      expect(await completedIds()).toEqual(['async', 'sync']);
      expect((await queue.getJob('async'))?.returnvalue).toEqual(result);
    });

    it('keeps a failed job kept longer than the one failing, in the failed set', async () => {
      const finish = sweepingAlways();
      for (const [id, age] of [
        ['async-failed', 3600],
        ['sync-failed', 1],
      ] as const) {
        await queue.add('j', data(id), { priority: 1, jobId: id, removeOnFail: { age } });
        await finish.failed(keys, await takeQueued(id), 'token-1', 'engine error');
        await admin.zadd(keys.failed, Date.now() - 5_000, id);
      }
      await admin.zadd(`${keys['']}gridllm-expiry:failed`, Date.now() - 1, 'sync-failed');
      await queue.add('j', data('last'), { priority: 1, jobId: 'last', removeOnFail: { age: 1 } });
      await finish.failed(keys, await takeQueued('last'), 'token-1', 'engine error');

      expect((await admin.zrange(keys.failed, 0, -1)).sort()).toEqual(['async-failed', 'last']);
      expect(await queue.getJobState('async-failed')).toBe('failed');
    });

    it('removes jobs an older worker completed (not indexed) by their completion age', async () => {
      await admin.zadd(keys.completed, Date.now() - 5_000, 'legacy');
      await admin.hset(`${keys['']}legacy`, 'finishedOn', Date.now() - 5_000);
      await sweepingAlways().completed(keys, await taken('new', 1), 'token-1', result);

      expect(await completedIds()).toEqual(['new']);
      expect(await admin.exists(`${keys['']}legacy`)).toBe(0);
    });

    it('sweeps at most once per interval, and again at once after a sweep that reached its limit', async () => {
      const hourly = new JobFinish(connection, 30_000, { intervalMs: 3_600_000, limit: 1 });
      for (const id of ['a', 'b']) {
        await admin.zadd(keys.completed, Date.now() - 5_000, id);
        await admin.zadd(expiry, Date.now() - 5_000, id);
      }
      await hourly.completed(keys, await taken('c', 3600), 'token-1', result);
      expect(await completedIds()).toEqual(['b', 'c']);
      await hourly.completed(keys, await taken('d', 3600), 'token-1', result);
      expect(await completedIds()).toEqual(['c', 'd']);
      // This sweep finds nothing: the next one waits for the interval.
      await hourly.completed(keys, await taken('e', 3600), 'token-1', result);
      await admin.zadd(expiry, Date.now() - 1, 'c');
      await hourly.completed(keys, await taken('f', 3600), 'token-1', result);
      expect(await completedIds()).toEqual(['c', 'd', 'e', 'f']);
    });
  });

  it('refuses, and changes nothing, when the lock is not this run’s or is gone', async () => {
    const job = await taken('b');
    await expect(sut.completed(keys, job, 'other-token', result)).rejects.toThrow(/Lock mismatch for job b/);
    // The lock read and dropped in one command is put back for its holder, with a whole lock's lifetime.
    expect(await admin.get(`${keys['']}b:lock`)).toBe('token-1');
    expect(await admin.pttl(`${keys['']}b:lock`)).toBeGreaterThan(29_000);
    await admin.del(`${keys['']}b:lock`);
    await expect(sut.completed(keys, job, 'token-1', result)).rejects.toThrow(/Missing lock for job b/);
    expect(await queue.getJobState('b')).toBe('active');
    expect((await queue.getJob('b'))?.data).toMatchObject({ request: { prompt: 'a long prompt' } });
  });

  describe('with the final line (completedAfterFinal)', () => {
    /** A batch of one final line for job `id`'s stream, fenced by `fence`, as TokenStreamWriter builds it. */
    const finalLine = (id: string, fence: string) => ({
      stream: `jf:stream:${id}`,
      owner: `jf:owner:${id}`,
      args: [fence, '1000', '60', '5000', '1-1', '6', 't', 'final', 'a', '1', 'd', '{"done":true}'],
      connection: lines,
    });
    /** The connection the job's lines go on (the worker's token connection), not the queue's. */
    let lines: Redis;

    beforeAll(() => {
      lines = new Redis({ port: server.port });
    });

    afterAll(() => lines.disconnect());
    const scriptCalls = async () =>
      [...(await admin.info('commandstats')).matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce(
        (sum, [, calls]) => sum + Number(calls),
        0,
      );

    it('stores the line, ends the run and completes the job in one script run', async () => {
      const job = await taken('f');
      await admin.set('jf:owner:f', 'w1/run');
      const before = await scriptCalls();

      await expect(
        sut.completedAfterFinal(keys, job, 'token-1', result, finalLine('f', 'w1/run')),
      ).resolves.toBe(null);

      expect(await scriptCalls()).toBe(before + 1);
      expect(await admin.xrange('jf:stream:f', '-', '+')).toEqual([
        ['1-1', ['t', 'final', 'a', '1', 'd', '{"done":true}']],
      ]);
      expect(await admin.ttl('jf:stream:f')).toBeGreaterThan(55);
      expect(await admin.exists('jf:owner:f')).toBe(0);
      expect(await queue.getJobState('f')).toBe('completed');
      expect((await queue.getJob('f'))?.returnvalue).toEqual(result);
    });

    it('writes nothing for a run fenced out, as the line alone would', async () => {
      const job = await taken('g');
      await admin.set('jf:owner:g', 'w2/other');

      await expect(
        sut.completedAfterFinal(keys, job, 'token-1', result, finalLine('g', 'w1/run')),
      ).rejects.toThrow(/FENCED/);

      expect(await admin.exists('jf:stream:g')).toBe(0);
      expect(await admin.get('jf:owner:g')).toBe('w2/other');
      expect(await admin.pttl('jf:owner:g')).toBeGreaterThan(4000);
      expect(await queue.getJobState('g')).toBe('active');
    });

    it('keeps the line when the job cannot be recorded, and says why', async () => {
      const job = await taken('h');
      await admin.set('jf:owner:h', 'w1/run');
      await admin.del(`${keys['']}h:lock`);

      const error = await sut.completedAfterFinal(keys, job, 'token-1', result, finalLine('h', 'w1/run'));

      expect(error?.message).toBe('Missing lock for job h. moveToFinished');
      expect(await admin.xlen('jf:stream:h')).toBe(1);
      expect(await queue.getJobState('h')).toBe('active');
    });
  });
});
