import Redis from 'ioredis';

import { parseGridConfig } from '@gridllm/config';
import { JobKind } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';
import { TakenJob } from '@gridllm/scheduler';
import { LoopPacer, StreamOwnership, TokenStreamWriter } from '@gridllm/streaming';

import { RedisServer } from '../../../../test/support/redis-server';
import { RunGuard } from './run-guard';

/** Only what the guard reads of a taken job. */
function taken(id: string): TakenJob {
  const data = { id, kind: JobKind.Generate, deadlineAt: Date.now() + 60_000 };
  return { job: { data }, token: 't', model: 'm:latest' } as unknown as TakenJob;
}

describe(RunGuard.name, () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let admin: Redis;
  let ownership: StreamOwnership;
  let writer: TokenStreamWriter;
  let sut: RunGuard;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({
      REDIS_PORT: String(server.port),
      REDIS_PREFIX: 'rg',
      WORKER_ID: 'me',
      JOB_LOCK_DURATION: '500',
    });
    factory = new RedisConnectionFactory(config.redis);
    const client = new RedisClient(factory, config.redis);
    ownership = new StreamOwnership(client, config.queue);
    writer = new TokenStreamWriter(client, factory, new LoopPacer(), config.queue);
    sut = new RunGuard(client, ownership, config.worker, config.queue);
    admin = server.client();
  });

  beforeEach(() => admin.flushall());

  afterAll(async () => {
    admin.disconnect();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  describe('enter', () => {
    it('runs a job its take entered already, with that fence and no round trip of its own', async () => {
      const job = taken('entered');
      job.entry = { state: { kind: 'claimed', cancelled: false }, fence: 'me/take', startedStored: true };
      const calls = async () => Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))?.[1]);
      const before = await calls();
      const entry = await sut.enter(job, new AbortController().signal);
      // Only the INFO call itself was counted in between.
      expect((await calls()) - before).toBe(1);
      expect(entry).toEqual({ kind: 'run', fence: 'me/take', cancelled: false, startedStored: true });
    });

    it('takes over from a dead worker when its take found the job held', async () => {
      await admin.set('rg:job-owner:orphan', 'dead/run', 'PX', 60_000);
      const job = taken('orphan');
      job.entry = {
        state: { kind: 'held', holder: 'dead/run', cancelled: false },
        fence: 'me/take',
        startedStored: false,
      };
      const entry = await sut.enter(job, new AbortController().signal);
      expect(entry).toEqual({ kind: 'run', fence: 'me/take', cancelled: false, startedStored: false });
      expect(await admin.get('rg:job-owner:orphan')).toBe('me/take');
    });

    it('runs a job nobody ran yet, holding its fence', async () => {
      const entry = await sut.enter(taken('fresh'), new AbortController().signal);
      expect(entry.kind).toBe('run');
      expect(await admin.get('rg:job-owner:fresh')).toBe(entry.kind === 'run' ? entry.fence : '');
    });

    it('never runs a job whose stream already ended: answers the earlier run’s merged result', async () => {
      const earlier = writer.open('done', 1);
      earlier.started('other');
      await earlier.chunk('{"model":"m","response":"Hello "}');
      await earlier.final('{"model":"m","response":"world","done":true,"eval_count":2}');

      const entry = await sut.enter(taken('done'), new AbortController().signal);
      expect(entry).toMatchObject({
        kind: 'completed',
        workerId: 'other',
        response: { response: 'Hello world', done: true, eval_count: 2 },
      });
      expect(await admin.exists('rg:job-owner:done')).toBe(0);
    });

    it('answers the earlier run’s merged result when it wrote the answer as one entry', async () => {
      const earlier = writer.open('one-entry', 1);
      earlier.holdChunks(100, true);
      earlier.started('other');
      await earlier.chunk('{"model":"m","response":"Hello "}');
      await earlier.final('{"model":"m","response":"world","done":true,"eval_count":2}');
      expect(await admin.xlen('rg:job-stream:one-entry')).toBe(1);

      expect(await sut.enter(taken('one-entry'), new AbortController().signal)).toMatchObject({
        kind: 'completed',
        workerId: 'other',
        response: { response: 'Hello world', done: true, eval_count: 2 },
      });
    });

    it('answers the whole text of a continued job whose stream already ended', async () => {
      const broken = writer.open('continued', 1);
      broken.started('dead');
      await broken.chunk('{"model":"m","response":"Hello "}');
      await broken.flush();
      const continuation = writer.open('continued', 2);
      continuation.started('other');
      await continuation.chunk('{"model":"m","response":"wide "}');
      await continuation.final(
        '{"model":"m","response":"world","done":true,"gridllm_resumed":{"from_worker":"dead"}}',
      );

      const entry = await sut.enter(taken('continued'), new AbortController().signal);
      expect(entry).toMatchObject({
        kind: 'completed',
        workerId: 'other',
        response: { response: 'Hello wide world' },
      });
    });

    it('answers the earlier run’s failure when its stream ended with an error', async () => {
      await writer.open('failed', 1).error({ error: 'boom', status: 500 });
      expect(await sut.enter(taken('failed'), new AbortController().signal)).toEqual({
        kind: 'failed',
        error: 'boom',
      });
    });

    it('waits while a run on a live worker owns the job, and runs it once that run lets go', async () => {
      await admin.set('rg:worker:alive', '{}', 'PX', 10_000);
      const theirs = ownership.newFence('alive');
      await ownership.claim('busy', theirs);
      const entering = sut.enter(taken('busy'), new AbortController().signal);
      const early = await Promise.race([
        entering,
        new Promise((resolve) => setTimeout(() => resolve('waiting'), 400)),
      ]);
      expect(early).toBe('waiting');

      await ownership.release('busy', theirs);
      expect((await entering).kind).toBe('run');
    });

    it('takes a job over at once from a run whose worker is gone', async () => {
      await ownership.claim('orphan', ownership.newFence('dead'));
      const started = Date.now();
      const entry = await sut.enter(taken('orphan'), new AbortController().signal);
      expect(entry.kind).toBe('run');
      expect(Date.now() - started).toBeLessThan(300);
    });
  });
});
