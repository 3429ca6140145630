import Redis from 'ioredis';
import { Queue, Worker } from 'bullmq';

import { StreamEventType } from '@gridllm/contracts';
import { RedisKeys } from '@gridllm/redis';
import { decodeEvent, runEntryArgs } from '@gridllm/streaming';

import { commandCalls } from '../../../test/support/command-calls';
import { RedisServer } from '../../../test/support/redis-server';
import { JobTake, TakeRequest } from './job-take';
import {
  MAX_REPORTED_BACKLOG,
  MERGED_ANSWER_FIELD,
  ONE_ANSWER_ENTRY,
  PREFERRED_WORKER_FIELD,
} from './take-next.lua';

describe(JobTake.name, () => {
  const server = new RedisServer();
  let admin: Redis;
  let connection: Redis;
  let queue: Queue;
  let consumer: Worker;
  let sut: JobTake;

  beforeAll(async () => {
    await server.start();
    admin = server.client();
    connection = new Redis({ port: server.port, maxRetriesPerRequest: null });
    queue = new Queue('m', { connection, prefix: 'jt' });
    consumer = new Worker('m', null, { connection, prefix: 'jt', autorun: false });
    sut = new JobTake(connection);
  });

  beforeEach(() => admin.flushall());

  afterAll(async () => {
    await consumer.close();
    await queue.close();
    connection.disconnect();
    admin.disconnect();
    await server.stop();
  });

  const board = (cls: number) => `jt:board:${cls}`;
  /** The worker a job prefers, as the enqueue writes it. */
  const prefer = (jobId: string, workerId: string) =>
    admin.hset(`${queue.keys['']}${jobId}`, PREFERRED_WORKER_FIELD, workerId);
  const request = (overrides: Partial<TakeRequest> = {}): TakeRequest => ({
    queue: consumer,
    markerKey: queue.keys.marker,
    token: 'token-1',
    lockMs: 30_000,
    workerId: 'w1',
    affinityDelayMs: 5_000,
    honourPreference: true,
    betterWorkers: 'none',
    ...overrides,
  });

  it('answers empty and clears the marker when nothing waits', async () => {
    await admin.zadd(queue.keys.marker, 0, '0');
    expect(await sut.take(request())).toEqual({ kind: 'empty' });
    expect(await admin.zcard(queue.keys.marker)).toBe(0);
  });

  it('takes the best-priority job, locks it as BullMQ would and reports the backlog', async () => {
    await queue.add('j', { n: 'low' }, { priority: 3, jobId: 'low' });
    await queue.add('j', { n: 'high' }, { priority: 1, jobId: 'high' });
    const reply = await sut.take(request());
    if (reply.kind !== 'taken') throw new Error(`expected a job, got ${reply.kind}`);
    expect(reply.job.id).toBe('high');
    expect(reply.job.data).toEqual({ n: 'high' });
    expect(reply.job.attemptsStarted).toBe(1);
    expect(reply.backlog).toBe(1);
    expect(await admin.get(`${queue.keys['']}high:lock`)).toBe('token-1');
    expect(await admin.zscore(queue.keys.marker, '0')).toBe('0');
    expect(await queue.getJobState('high')).toBe('active');
    // BullMQ's own completion accepts the job and its token.
    await reply.job.moveToCompleted({ workerId: 'w1', response: { done: true } }, 'token-1', false);
    expect(await queue.getJobState('high')).toBe('completed');
  });

  it('counts the attempt on top of those started before, in the hash and in the job it answers', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'retried' });
    await admin.hset(`${queue.keys['']}retried`, 'ats', 2, 'pb', 'w0', 'processedOn', 1);
    const before = Date.now();
    const reply = await sut.take(request());
    if (reply.kind !== 'taken') throw new Error(`expected a job, got ${reply.kind}`);
    expect(reply.job.attemptsStarted).toBe(3);
    expect(reply.job.processedBy).toBe('w1');
    expect(reply.job.processedOn).toBeGreaterThanOrEqual(before);
    expect(await admin.hmget(`${queue.keys['']}retried`, 'ats', 'pb', 'processedOn')).toEqual([
      '3',
      'w1',
      String(reply.job.processedOn),
    ]);
  });

  it('counts the backlog up to MAX_REPORTED_BACKLOG, and the wait list in full', async () => {
    await queue.addBulk(
      Array.from({ length: MAX_REPORTED_BACKLOG + 4 }, (_, n) => ({
        name: 'j',
        data: {},
        opts: { priority: 1, jobId: `many-${n}` },
      })),
    );
    expect(await sut.take(request())).toMatchObject({ kind: 'taken', backlog: MAX_REPORTED_BACKLOG });
    expect(await admin.zscore(queue.keys.marker, '0')).toBe('0');

    // A job in BullMQ's wait list (no priority) goes first; the prioritized set behind it is counted in full.
    await queue.add('j', {}, { jobId: 'plain' });
    expect(await sut.take(request())).toMatchObject({
      kind: 'taken',
      job: { id: 'plain' },
      backlog: MAX_REPORTED_BACKLOG + 3,
    });
  });

  it('clears the marker after taking the last job', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'only' });
    const reply = await sut.take(request());
    expect(reply).toMatchObject({ kind: 'taken', backlog: 0 });
    expect(await admin.zcard(queue.keys.marker)).toBe(0);
  });

  /** Calls of `command` Redis ran (scripts' own included) while `run` ran. */
  async function callsOf(command: string, run: () => Promise<unknown>): Promise<number> {
    const before = await commandCalls(admin, command);
    await run();
    return (await commandCalls(admin, command)) - before;
  }

  it("reads the head job's hash once, for its preference, its age and the reply alike", async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'young', timestamp: Date.now() });
    await prefer('young', 'w2');
    const reads = { hget: 0, hgetall: 0 };
    reads.hget = await callsOf('hget', async () => {
      reads.hgetall = await callsOf('hgetall', async () => {
        expect(await sut.take(request())).toMatchObject({ kind: 'preferred', workerId: 'w2' });
        const reply = await sut.take(request({ honourPreference: false }));
        if (reply.kind !== 'taken') throw new Error(`expected a job, got ${reply.kind}`);
        expect(reply.job.id).toBe('young');
      });
    });
    expect(reads).toEqual({ hget: 0, hgetall: 2 });
  });

  it('leaves the marker alone right after a sleep on it: the sleep popped it', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'woke' });
    // What the worker's BZPOPMIN did before this take ran behind it.
    await admin.zrem(queue.keys.marker, '0');
    const removals = await callsOf('zrem', async () =>
      expect(await sut.take(request({ afterSleep: true }))).toMatchObject({ kind: 'taken', backlog: 0 }),
    );
    expect(removals).toBe(0);
    expect(await callsOf('zrem', () => sut.take(request({ afterSleep: true })))).toBe(0);
    // Without a sleep before it, a take that finds the queue empty clears the marker as ever.
    await admin.zadd(queue.keys.marker, 0, '0');
    expect(await sut.take(request())).toEqual({ kind: 'empty' });
    expect(await admin.zcard(queue.keys.marker)).toBe(0);
  });

  it('re-adds the marker right after a sleep when jobs are left, for the next worker', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'first' });
    await queue.add('j', {}, { priority: 1, jobId: 'second' });
    await admin.zrem(queue.keys.marker, '0');
    expect(await sut.take(request({ afterSleep: true }))).toMatchObject({ kind: 'taken', backlog: 1 });
    expect(await admin.zscore(queue.keys.marker, '0')).toBe('0');
  });

  it('reads no better class when none has a worker listed, with one EXISTS for all of them', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'lone' });
    const betterWorkers = [board(0), board(1)];
    const reads = await callsOf('zrangebyscore', async () =>
      expect(await sut.take(request({ betterWorkers }))).toMatchObject({ kind: 'taken' }),
    );
    expect(reads).toBe(0);
    // A class with a worker listed is read as before, and a free one there still gets the young job.
    await queue.add('j', {}, { priority: 1, jobId: 'next' });
    await admin.zadd(board(1), Date.now() + 60_000, 'w-free');
    expect(await sut.take(request({ betterWorkers }))).toMatchObject({ kind: 'better-free' });
  });

  it('leaves a young job that prefers another worker, and takes it when told to ignore that', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'p' });
    await prefer('p', 'w2');
    expect(await sut.take(request())).toMatchObject({ kind: 'preferred', workerId: 'w2' });
    expect(await queue.getJobState('p')).toBe('prioritized');
    expect(await sut.take(request({ honourPreference: false }))).toMatchObject({ kind: 'taken' });
  });

  it('takes a job that prefers this worker at once, even with a better worker free', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'mine' });
    await prefer('mine', 'w1');
    await admin.zadd(board(0), Date.now() + 60_000, 'w0');
    expect(await sut.take(request({ betterWorkers: [board(0)] }))).toMatchObject({ kind: 'taken' });
  });

  it('leaves a young job to a better-class worker listed as free, but not to an expired listing', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'b' });
    await admin.zadd(board(0), Date.now() - 1, 'w-gone');
    await admin.zadd(board(1), Date.now() + 60_000, 'w-free');
    expect(await sut.take(request({ betterWorkers: [board(0)] }))).toMatchObject({ kind: 'taken' });
    await queue.add('j', {}, { priority: 1, jobId: 'c' });
    expect(await sut.take(request({ betterWorkers: [board(0), board(1)] }))).toMatchObject({
      kind: 'better-free',
    });
    expect(await sut.take(request({ betterWorkers: 'ask' }))).toMatchObject({ kind: 'young' });
  });

  it('takes a job older than the affinity delay whatever the preference', async () => {
    await queue.add('j', {}, { priority: 1, jobId: 'old', timestamp: Date.now() - 10_000 });
    await prefer('old', 'w2');
    await admin.zadd(board(0), Date.now() + 60_000, 'w0');
    expect(await sut.take(request({ betterWorkers: [board(0)] }))).toMatchObject({ kind: 'taken' });
  });

  describe("entering the taken job's run in the same trip", () => {
    const keys = new RedisKeys('jt');
    const settings = { lockDurationMs: 30_000, heartbeatIntervalMs: 5_000, streamMaxEvents: 1000 };
    const entering = (fence: string) =>
      request({ entry: { fence, args: runEntryArgs(keys, fence, settings) } });

    it("claims the run, and stores the attempt's started event as the run's own appender would", async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e1' });
      const readsBefore = await commandCalls(admin, 'xrevrange');
      const reply = await sut.take(entering('w1/f1'));
      // A first attempt had no earlier run that could have ended its stream: the take does not look.
      expect(await commandCalls(admin, 'xrevrange')).toBe(readsBefore);
      expect(reply).toMatchObject({
        kind: 'taken',
        entry: { state: { kind: 'claimed', cancelled: false }, fence: 'w1/f1', startedStored: true },
      });
      expect(await admin.get(keys.jobOwner('e1'))).toBe('w1/f1');
      expect(await admin.pttl(keys.jobOwner('e1'))).toBeGreaterThan(30_000);
      const entries = (await admin.xrange(keys.jobStream('e1'), '-', '+')) as Array<[string, string[]]>;
      expect(entries.map(([id, fields]) => decodeEvent(id, fields))).toEqual([
        { id: '1-0', type: StreamEventType.Started, attempt: 1, data: 'w1' },
      ]);
    });

    it("numbers the started event by the job's attempt", async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e2' });
      await admin.hset(`${queue.keys['']}e2`, 'ats', 2);
      const reply = await sut.take(entering('w1/f2'));
      expect(reply).toMatchObject({ kind: 'taken', entry: { startedStored: true } });
      expect((await admin.xrange(keys.jobStream('e2'), '-', '+')).map(([id]) => id)).toEqual(['3-0']);
    });

    it('reports a cancelled job claimed, and writes no started event for it', async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e3' });
      await admin.set(keys.jobCancel('e3'), '1');
      const reply = await sut.take(entering('w1/f3'));
      expect(reply).toMatchObject({
        kind: 'taken',
        entry: { state: { kind: 'claimed', cancelled: true }, startedStored: false },
      });
      expect(await admin.exists(keys.jobStream('e3'))).toBe(0);
    });

    it("claims a merged answer's run but leaves its started event to the run, which holds it", async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e5' });
      await admin.hset(`${queue.keys['']}e5`, MERGED_ANSWER_FIELD, 1);
      const reply = await sut.take(entering('w1/f5'));
      expect(reply).toMatchObject({
        kind: 'taken',
        entry: { state: { kind: 'claimed', cancelled: false }, startedStored: false },
        // Marked by a gateway that reads a final entry only as the final line.
        oneAnswerEntry: false,
      });
      expect(await admin.get(keys.jobOwner('e5'))).toBe('w1/f5');
      expect(await admin.exists(keys.jobStream('e5'))).toBe(0);
    });

    it('says when the reader of a merged answer takes it as one stream entry', async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e6' });
      await admin.hset(`${queue.keys['']}e6`, MERGED_ANSWER_FIELD, ONE_ANSWER_ENTRY);
      expect(await sut.take(entering('w1/f6'))).toMatchObject({
        kind: 'taken',
        entry: { startedStored: false },
        oneAnswerEntry: true,
      });
      await queue.add('j', {}, { priority: 1, jobId: 'e7' });
      expect(await sut.take(entering('w1/f7'))).toMatchObject({
        kind: 'taken',
        entry: { startedStored: true },
        oneAnswerEntry: false,
      });
    });

    it('reports a run another worker holds, and an ended stream, without claiming or writing', async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e4' });
      await admin.set(keys.jobOwner('e4'), 'w2/other');
      expect(await sut.take(entering('w1/f4'))).toMatchObject({
        entry: { state: { kind: 'held', holder: 'w2/other', cancelled: false }, startedStored: false },
      });
      expect(await admin.get(keys.jobOwner('e4'))).toBe('w2/other');
      expect(await admin.exists(keys.jobStream('e4'))).toBe(0);

      // Its first attempt ended the stream, and the job came back (its lock lapsed before it was recorded).
      await queue.add('j', {}, { priority: 1, jobId: 'e5' });
      await admin.hset(queue.toKey('e5'), 'ats', 1);
      await admin.xadd(keys.jobStream('e5'), '1-3', 't', StreamEventType.Final, 'a', '1', 'd', '{}');
      expect(await sut.take(entering('w1/f5'))).toMatchObject({
        entry: { state: { kind: 'ended' }, startedStored: false },
      });
      expect(await admin.exists(keys.jobOwner('e5'))).toBe(0);
      expect(await admin.xlen(keys.jobStream('e5'))).toBe(1);
    });

    it('claims but leaves the started event to the run when the stream refuses it', async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e6' });
      // An entry of a later attempt (ids only grow): XADD 1-0 fails, the take still succeeds.
      await admin.xadd(keys.jobStream('e6'), '5-1', 't', StreamEventType.Chunk, 'a', '5', 'd', '{}');
      const reply = await sut.take(entering('w1/f6'));
      expect(reply).toMatchObject({
        kind: 'taken',
        entry: { state: { kind: 'claimed', cancelled: false }, startedStored: false },
      });
      expect(await queue.getJobState('e6')).toBe('active');
    });

    it('takes without entering when not asked', async () => {
      await queue.add('j', {}, { priority: 1, jobId: 'e7' });
      const reply = await sut.take(request());
      expect(reply).toMatchObject({ kind: 'taken' });
      expect(reply.kind === 'taken' && reply.entry).toBeUndefined();
      expect(await admin.exists(keys.jobOwner('e7'), keys.jobStream('e7'))).toBe(0);
    });
  });
});
