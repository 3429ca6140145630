import { StreamEvent, StreamEventType } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { RedisServer } from '../../../test/support/redis-server';
import { LoopPacer } from './loop-pacer';
import { TokenStreamReader } from './token-stream.reader';
import { TokenStreamWriter } from './token-stream.writer';

const queueSettings = {
  heartbeatIntervalMs: 1000,
  defaultJobTimeoutMs: 60000,
  firstTokenTimeoutMs: 60000,
  stallTimeoutMs: 60000,
  resultTtlSeconds: 60,
  streamTtlSeconds: 60,
  streamMaxEvents: 1000,
  streamMaxBytes: 1024 * 1024,
  maxConcurrentJobs: 10,
  maxQueuePerModel: 10,
  affinityDelayMs: 200,
  prefixAffinity: true,
  affinityTtlMs: 300000,
  priorityAgingMs: 30000,
  lockDurationMs: 2000,
  fairShare: {
    enabled: true,
    windowMs: 600000,
    promptWeight: 1,
    completionWeight: 2,
    expectedCompletionTokens: 256,
  },
  warmAhead: { enabled: true, queuePerSlot: 1 },
};

async function collect<T = StreamEvent>(events: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe('token streams over a real Redis', () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let writer: TokenStreamWriter;
  let sut: TokenStreamReader;
  let client: RedisClient;

  beforeAll(async () => {
    await server.start();
    factory = new RedisConnectionFactory({
      host: '127.0.0.1',
      port: server.port,
      db: 0,
      tls: undefined,
      prefix: 'it',
      topology: { mode: 'standalone' },
      waitReplicas: 0,
      waitTimeoutMs: 500,
      autoPipelining: true,
      coalesceWrites: true,
    });
    client = new RedisClient(factory, {
      host: '127.0.0.1',
      port: server.port,
      db: 0,
      tls: undefined,
      prefix: 'it',
      topology: { mode: 'standalone' },
      waitReplicas: 0,
      waitTimeoutMs: 500,
      autoPipelining: true,
      coalesceWrites: true,
    });
    writer = new TokenStreamWriter(client, factory, new LoopPacer(), queueSettings);
    sut = new TokenStreamReader(client, factory);
  });

  afterAll(async () => {
    await sut.onApplicationShutdown();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  it('delivers events written before the reader started, from the very first one', async () => {
    const appender = writer.open('early', 1);
    appender.started('w1');
    void appender.chunk('{"response":"a"}');
    await appender.final('{"response":"","done":true}');

    const events = await collect(sut.events('early'));
    expect(events.map((event) => [event.id, event.type])).toEqual([
      ['1-0', StreamEventType.Started],
      ['1-1', StreamEventType.Chunk],
      ['1-2', StreamEventType.Final],
    ]);
  });

  it('serves many jobs at once over one connection, each in its own order', async () => {
    const jobs = ['j1', 'j2', 'j3'];
    const reading = jobs.map((job) => collect(sut.events(job)));
    await Promise.all(
      jobs.map(async (job) => {
        const appender = writer.open(job, 1);
        appender.started('w');
        for (let n = 0; n < 20; n++) void appender.chunk(`{"n":${n},"job":"${job}"}`);
        await appender.final('{"done":true}');
      }),
    );
    const results = await Promise.all(reading);
    for (const [index, events] of results.entries()) {
      const chunks = events
        .filter((event) => event.type === StreamEventType.Chunk)
        .map((event) => JSON.parse(event.data) as unknown);
      expect(chunks).toEqual(Array.from({ length: 20 }, (_, n) => ({ n, job: jobs[index] })));
    }
  });

  it('delivers whole backlogs when more streams are open than one read returns in full', async () => {
    // 200 streams of 120 events each: each read then returns at most 40 per stream, spaced 4 ms apart.
    const jobs = Array.from({ length: 200 }, (_, n) => `crowd-${n}`);
    await Promise.all(
      jobs.map(async (job) => {
        const appender = writer.open(job, 1);
        appender.started('w');
        for (let n = 0; n < 118; n++) void appender.chunk(`{"n":${n}}`);
        await appender.final('{"done":true}');
      }),
    );
    const results = await Promise.all(jobs.map((job) => collect(sut.events(job))));
    for (const events of results) {
      expect(events.map((event) => event.id)).toEqual(Array.from({ length: 120 }, (_, n) => `1-${n}`));
    }
  });

  it('resumes after a given event id', async () => {
    const appender = writer.open('resume', 1);
    appender.started('w');
    for (let n = 1; n <= 5; n++) void appender.chunk(`{"n":${n}}`);
    await appender.final('{"done":true}');
    const events = await collect(sut.events('resume', '1-3'));
    expect(events.map((event) => event.data)).toEqual(['{"n":4}', '{"n":5}', '{"done":true}']);
    expect(events.map((event) => event.id)).toEqual(['1-4', '1-5', '1-6']);
    // Lines 2–5 went out as one entry: the reader resumed from inside it.
    expect(await client.redis.xlen(client.keys.jobStream('resume'))).toBeLessThan(7);
  });

  it('reads lines stored together as one joined event, and splits the one a resuming reader starts inside', async () => {
    const appender = writer.open('joined', 1);
    appender.started('w');
    await appender.flush();
    for (let n = 1; n <= 4; n++) void appender.chunk(`{"n":${n}}`);
    await appender.final('{"done":true}');

    // The first line went out alone; the other three waited for it and were stored as one entry.
    const joined = (await collect(sut.batches('joined', '0', undefined, true))).flat();
    expect(joined.map(({ id, type, data, lines }) => ({ id, type, data, lines }))).toEqual([
      { id: '1-0', type: StreamEventType.Started, data: 'w', lines: undefined },
      { id: '1-1', type: StreamEventType.Chunk, data: '{"n":1}', lines: undefined },
      { id: '1-4', type: StreamEventType.Chunk, data: '{"n":2}\n{"n":3}\n{"n":4}', lines: 3 },
      { id: '1-5', type: StreamEventType.Final, data: '{"done":true}', lines: undefined },
    ]);

    const resumed = (await collect(sut.batches('joined', '1-2', undefined, true))).flat();
    expect(resumed.map(({ id, data, lines }) => ({ id, data, lines }))).toEqual([
      { id: '1-3', data: '{"n":3}', lines: undefined },
      { id: '1-4', data: '{"n":4}', lines: undefined },
      { id: '1-5', data: '{"done":true}', lines: undefined },
    ]);
  });

  it('reads an answer stored as one entry event by event, and from inside it when resuming', async () => {
    const appender = writer.open('answer', 1);
    appender.holdChunks(100, true);
    appender.started('w');
    for (let n = 1; n <= 3; n++) void appender.chunk(`{"n":${n}}`);
    await appender.final('{"done":true}');
    expect(await client.redis.xlen(client.keys.jobStream('answer'))).toBe(1);

    const whole = await collect(sut.events('answer'));
    expect(whole.map(({ id, type }) => [id, type])).toEqual([
      ['1-0', StreamEventType.Started],
      ['1-1', StreamEventType.Chunk],
      ['1-2', StreamEventType.Chunk],
      ['1-3', StreamEventType.Chunk],
      ['1-4', StreamEventType.Final],
    ]);
    const joined = (await collect(sut.batches('answer', '1-1', undefined, true))).flat();
    expect(joined.map(({ id, data, lines }) => ({ id, data, lines }))).toEqual([
      { id: '1-2', data: '{"n":2}', lines: undefined },
      { id: '1-3', data: '{"n":3}', lines: undefined },
      { id: '1-4', data: '{"done":true}', lines: undefined },
    ]);
  });

  it('stops yielding when the reader is aborted', async () => {
    const controller = new AbortController();
    const reading = collect(sut.events('never-ends', '0', controller.signal));
    const never = writer.open('never-ends', 1);
    never.started('w');
    await never.flush();
    setTimeout(() => controller.abort(), 50);
    const events = await reading;
    expect(events.map((event) => event.type)).toEqual([StreamEventType.Started]);
  });

  it('ends a stream with an error written by a gateway for a job no worker holds', async () => {
    await writer.terminate('cancelled-job', { error: 'request canceled', status: 499 }, 60);
    const events = await collect(sut.events('cancelled-job'));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].data)).toEqual({ error: 'request canceled', status: 499 });
  });
});
