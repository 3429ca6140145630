import Redis from 'ioredis';

import { parseGridConfig } from '@gridllm/config';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { commandCalls } from '../../../test/support/command-calls';
import { RedisServer } from '../../../test/support/redis-server';
import { MAX_BATCH_EVENTS, StreamFencedError } from './job-stream-appender';
import { LoopPacer } from './loop-pacer';
import { StreamOwnership } from './stream-ownership';
import { decodeEntry } from './token-stream.codec';
import { AppendCall, TokenStreamWriter } from './token-stream.writer';

describe(TokenStreamWriter.name, () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let admin: Redis;
  let ownership: StreamOwnership;
  let sut: TokenStreamWriter;
  let ownerTtlMs: number;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'tw' });
    factory = new RedisConnectionFactory(config.redis);
    const client = new RedisClient(factory, config.redis);
    ownership = new StreamOwnership(client, config.queue);
    ownerTtlMs = StreamOwnership.ttlMs(config.queue);
    sut = new TokenStreamWriter(client, factory, new LoopPacer(), config.queue);
    admin = server.client();
  });

  beforeEach(() => admin.flushall());

  afterAll(async () => {
    admin.disconnect();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  const stream = (jobId: string) => admin.xrange(`tw:job-stream:${jobId}`, '-', '+');
  /** A run that owns `jobId`'s stream; its appender lets the stream expire in 60 s once it ends. */
  const ownedRun = async (jobId: string) => {
    const fence = ownership.newFence('w1');
    await ownership.claim(jobId, fence);
    return { fence, appender: sut.open(jobId, 1, fence, 60) };
  };
  const evalCalls = () => commandCalls(admin, 'evalsha');

  describe('open', () => {
    it('writes a flood of chunks in order, in far fewer round trips than chunks', async () => {
      const fence = ownership.newFence('w1');
      expect(await ownership.claim('flood', fence)).toBeNull();
      const before = await evalCalls();
      const appender = sut.open('flood', 1, fence);
      appender.started('w1');
      for (let n = 0; n < 5000; n++) await appender.chunk(`{"n":${n}}`);
      await appender.final('{"done":true}');

      const entries = await stream('flood');
      const events = entries.flatMap(([id, fields]) => decodeEntry(id, fields));
      expect(events.map((event) => event.id)).toEqual(Array.from({ length: 5002 }, (_, n) => `1-${n}`));
      expect(events[1]).toMatchObject({ type: 'chunk', attempt: 1, data: '{"n":0}' });
      expect(events[5001]).toMatchObject({ type: 'final', data: '{"done":true}' });
      // The chunk lines of one batch share an entry; `started` and `final` keep their own.
      expect(entries.length).toBeLessThan(5002 / 4);
      expect(entries[0][1]).toEqual(['t', 'started', 'a', '1', 'd', 'w1']);
      const batches = (await evalCalls()) - before;
      expect(batches).toBeGreaterThanOrEqual(Math.ceil(5002 / (MAX_BATCH_EVENTS * 2)));
      expect(batches).toBeLessThan(5002 / 4);
    });

    it('sends a first chunk at once, without waiting for more', async () => {
      const appender = sut.open('first', 1);
      appender.started('w1');
      await appender.chunk('{"n":0}');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await stream('first')).map(([id]) => id)).toEqual(['1-0', '1-1']);
    });

    it('holds started and chunks for a merged answer no longer than asked; final goes at once', async () => {
      const appender = sut.open('held', 1);
      appender.holdChunks(100);
      appender.started('w1');
      await appender.chunk('{"n":0}');
      await appender.chunk('{"n":1}');
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(await stream('held')).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 160));
      // Both chunk lines share one entry, named by the last.
      expect((await stream('held')).map(([id]) => id)).toEqual(['1-0', '1-2']);
      // `started` says how long it waited, so the gateway's queue time leaves the hold out.
      const [started] = decodeEntry(...(await stream('held'))[0]);
      expect(started.heldMs).toBeGreaterThanOrEqual(95);
      expect(started.heldMs).toBeLessThan(190);

      const before = await evalCalls();
      await appender.chunk('{"n":2}');
      await appender.final('{"done":true}');
      expect((await stream('held')).map(([id]) => id)).toEqual(['1-0', '1-2', '1-3', '1-4']);
      expect((await evalCalls()) - before).toBe(1);
    });

    it('writes a quick merged answer, its started event included, in one batch', async () => {
      const before = await evalCalls();
      const appender = sut.open('quick', 1);
      appender.holdChunks(100);
      appender.started('w1');
      await appender.chunk('{"n":0}');
      await appender.final('{"done":true}');
      expect((await evalCalls()) - before).toBe(1);
      const events = (await stream('quick')).flatMap(([id, fields]) => decodeEntry(id, fields));
      expect(events.map((event) => [event.id, event.type])).toEqual([
        ['1-0', 'started'],
        ['1-1', 'chunk'],
        ['1-2', 'final'],
      ]);
      expect(events[0].heldMs ?? 0).toBeLessThan(50);
    });

    it('writes a quick merged answer as one entry when its reader takes it, each line with its own id', async () => {
      const before = await commandCalls(admin, 'xadd');
      const appender = sut.open('one', 1);
      appender.holdChunks(100, true);
      appender.started('w1');
      await appender.chunk('{"n":0}');
      await appender.chunk('{"n":1}');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await appender.final('{"done":true}');
      expect((await commandCalls(admin, 'xadd')) - before).toBe(1);
      const entries = await stream('one');
      expect(entries.map(([id]) => id)).toEqual(['1-3']);
      const events = entries.flatMap(([id, fields]) => decodeEntry(id, fields));
      expect(events.map(({ id, type, data }) => [id, type, data])).toEqual([
        ['1-0', 'started', 'w1'],
        ['1-1', 'chunk', '{"n":0}'],
        ['1-2', 'chunk', '{"n":1}'],
        ['1-3', 'final', '{"done":true}'],
      ]);
      expect(events[0].heldMs).toBeGreaterThanOrEqual(15);
      expect(events[0].heldMs).toBeLessThan(90);
    });

    it('keeps entries of their own for the lines a merged answer wrote before its hold ran out', async () => {
      const appender = sut.open('long', 1);
      appender.holdChunks(50, true);
      appender.started('w1');
      await appender.chunk('{"n":0}');
      await new Promise((resolve) => setTimeout(resolve, 120));
      await appender.chunk('{"n":1}');
      await appender.final('{"done":true}');
      // The hold wrote started and the first line; the last batch, a line and the final one, is one entry.
      const entries = await stream('long');
      expect(entries.map(([id]) => id)).toEqual(['1-0', '1-1', '1-3']);
      const events = entries.flatMap(([id, fields]) => decodeEntry(id, fields));
      expect(events.map(({ id, type }) => [id, type])).toEqual([
        ['1-0', 'started'],
        ['1-1', 'chunk'],
        ['1-2', 'chunk'],
        ['1-3', 'final'],
      ]);
    });

    it("goes on after a started event the take stored: the first line is the attempt's line 1", async () => {
      await admin.xadd('tw:job-stream:pre', '2-0', 't', 'started', 'a', '2', 'd', 'w1');
      const appender = sut.open('pre', 2);
      appender.startedStored('w1');
      expect(appender.hasStarted).toBe(true);
      await appender.chunk('{"n":0}');
      await appender.final('{"done":true}');
      const events = (await stream('pre')).flatMap(([id, fields]) => decodeEntry(id, fields));
      expect(events.map((event) => [event.id, event.type])).toEqual([
        ['2-0', 'started'],
        ['2-1', 'chunk'],
        ['2-2', 'final'],
      ]);
    });

    it('refuses every write once another run owns the job, and leaves that run’s lines alone', async () => {
      const first = ownership.newFence('w1');
      await ownership.claim('taken', first);
      const stale = sut.open('taken', 1, first);
      stale.started('w1');
      await stale.flush();

      const second = ownership.newFence('w2');
      expect(await ownership.claim('taken', second)).toBe(first);
      expect(await ownership.claim('taken', second, first)).toBeNull();
      const current = sut.open('taken', 2, second);
      current.started('w2');
      await current.flush();

      await expect(stale.chunk('{"late":true}').then(() => stale.flush())).rejects.toBeInstanceOf(
        StreamFencedError,
      );
      expect((await stream('taken')).map(([id]) => id)).toEqual(['1-0', '2-0']);
      expect(
        await ownership.renew([
          { jobId: 'taken', fence: first },
          { jobId: 'taken', fence: second },
        ]),
      ).toEqual(['taken']);
    });
  });

  describe('the batch that ends the stream', () => {
    it('releases the owner key and starts the expiry with the final line, and not before', async () => {
      const { fence, appender } = await ownedRun('last');
      appender.started('w1');
      await appender.chunk('{"response":"a"}');
      await appender.flush();
      expect(await admin.get('tw:job-owner:last')).toBe(fence);
      expect(await admin.ttl('tw:job-stream:last')).toBe(-1);
      expect(appender.ended).toBe(false);

      const before = await evalCalls();
      await appender.final('{"done":true}');

      expect(await evalCalls()).toBe(before + 1);
      expect(appender.ended).toBe(true);
      expect(await admin.exists('tw:job-owner:last')).toBe(0);
      expect(await admin.ttl('tw:job-stream:last')).toBeGreaterThan(55);
    });

    it('does the same with an error line', async () => {
      const { appender } = await ownedRun('failed');
      await appender.error({ error: 'engine gone', status: 502 });

      expect(appender.ended).toBe(true);
      expect(await admin.exists('tw:job-owner:failed')).toBe(0);
      expect(await admin.ttl('tw:job-stream:failed')).toBeGreaterThan(55);
    });

    it('changes nothing for a run fenced out, and releases nothing when no expiry was asked', async () => {
      const fence = ownership.newFence('w1');
      await admin.set('tw:job-owner:taken', 'w2/other');
      const fenced = sut.open('taken', 1, fence, 60);
      await expect(fenced.final('{"done":true}')).rejects.toThrow(StreamFencedError);
      expect(fenced.ended).toBe(false);
      // Read and dropped in one command, the other run's key is put back with a whole lifetime.
      expect(await admin.get('tw:job-owner:taken')).toBe('w2/other');
      expect(await admin.pttl('tw:job-owner:taken')).toBeGreaterThan(ownerTtlMs - 1000);
      expect(await admin.exists('tw:job-stream:taken')).toBe(0);

      await ownership.claim('kept', fence);
      const appender = sut.open('kept', 1, fence);
      await appender.final('{"done":true}');
      expect(await admin.get('tw:job-owner:kept')).toBe(fence);
      expect(await admin.ttl('tw:job-stream:kept')).toBe(-1);
    });
  });

  describe('a route for the final line', () => {
    it('takes the batch holding the final line, and only that one, with the arguments a script runs it by', async () => {
      const { fence, appender } = await ownedRun('routed');
      appender.started('w1');
      await appender.flush();
      const calls: AppendCall[] = [];
      await appender.final('{"done":true}', async (call) => {
        calls.push(call);
      });

      expect(calls).toEqual([
        {
          stream: 'tw:job-stream:routed',
          owner: 'tw:job-owner:routed',
          args: [
            fence,
            expect.any(String),
            '60',
            String(ownerTtlMs),
            '1-1',
            '6',
            't',
            'final',
            'a',
            '1',
            'd',
            '{"done":true}',
          ],
          connection: expect.any(Redis),
        },
      ]);
      expect(appender.ended).toBe(true);
      // Only `started` was written by the appender itself; the route stored nothing.
      expect((await stream('routed')).map(([id]) => id)).toEqual(['1-0']);
    });

    it('reports a route that was fenced out as the write would', async () => {
      const fenced = sut.open('fenced', 1, ownership.newFence('w1'), 60);
      await expect(fenced.final('{"done":true}', () => Promise.reject(new Error('FENCED')))).rejects.toThrow(
        StreamFencedError,
      );
      expect(fenced.ended).toBe(false);
    });
  });

  describe("StreamOwnership.release with the stream's expiry", () => {
    it("drops the run's owner key and starts the stream's expiry in one script", async () => {
      const fence = ownership.newFence('w1');
      await ownership.claim('ended', fence);
      const appender = sut.open('ended', 1, fence);
      appender.started('w1');
      await appender.flush();
      await ownership.release('ended', fence, 60);
      expect(await admin.exists('tw:job-owner:ended')).toBe(0);
      expect(await admin.ttl('tw:job-stream:ended')).toBeGreaterThan(55);
    });

    it("leaves another run's owner key alone, but still lets the stream expire", async () => {
      await admin.set('tw:job-owner:moved', 'w2/other');
      await admin.xadd('tw:job-stream:moved', '1-0', 't', 'started', 'a', '1', 'd', 'w1');
      await ownership.release('moved', ownership.newFence('w1'), 60);
      expect(await admin.get('tw:job-owner:moved')).toBe('w2/other');
      expect(await admin.ttl('tw:job-stream:moved')).toBeGreaterThan(55);
      await ownership.release('moved', 'w2/other');
      expect(await admin.exists('tw:job-owner:moved')).toBe(0);
    });
  });
});
