import Redis from 'ioredis';

import { MAX_PREFIX_CHECKPOINTS } from '@gridllm/scheduler';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { TestGrid, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';
import { RedisFootprint, footprint, jobHashesOf, rssMb } from '../support/redis-footprint';

const MB = 1024 * 1024;

/**
 * A 4 MB prompt: short words, then one long one. The fixture's answer and `context` come from the words,
 * so they stay small, as a real model's would (Ollama truncates a prompt to num_ctx).
 */
const largePrompt = (salt: string): string => `${salt} a b c d e f g ${'x'.repeat(4 * MB)}`;

/** The documented bounds (docs/security.md, "Memory and retention"): what a finished job may keep. */
const MAX_KEY_BYTES = 256 * 1024;
const MAX_KEYS_PER_JOB = 3;
const MAX_BYTES_PER_JOB = 64 * 1024;

describe('Memory and retention after large request bodies', () => {
  const grid = new TestGrid();
  let capped: OllamaFixture;
  let redis: Redis;

  beforeAll(async () => {
    await grid.start();
    redis = grid.redis.client();
    const big = await grid.startFixture({ models: [{ name: 'big:latest' }], recordLimit: 0 });
    capped = await grid.startFixture({
      models: [{ name: 'chatty:latest' }],
      tokensPerAnswer: 400,
      tokenDelayMs: 5,
      recordLimit: 0,
    });
    await grid.startGateway({ BODY_LIMIT: '8mb' });
    await grid.startWorker('big-worker', big, { MAX_CONCURRENT_TASKS: '2' });
    await grid.startWorker('capped-worker', capped, { STREAM_MAX_EVENTS: '100', STREAM_MAX_BYTES: '64kb' });
  });

  afterAll(async () => {
    redis.disconnect();
    await grid.stop();
  });

  it('keeps no request of a finished job: completed, failed and async jobs keep only a small record', async () => {
    const before = await footprint(redis);
    const requests: Array<[string, Record<string, unknown>, number]> = [
      ['/api/generate', { model: 'big', prompt: largePrompt('a'), stream: false }, 200],
      ['/api/chat', { model: 'big', messages: [{ role: 'user', content: largePrompt('b') }] }, 200],
      [
        '/v1/chat/completions',
        { model: 'big', messages: [{ role: 'user', content: largePrompt('c') }] },
        200,
      ],
      // Fails on the engine (Ollama refuses raw with a template): a failed job.
      [
        '/api/generate',
        { model: 'big', prompt: largePrompt('d'), raw: true, template: 'x', stream: false },
        400,
      ],
      ['/inference', { model: 'big', prompt: largePrompt('e'), async: true }, 202],
    ];
    // One at a time: on a loaded 2-core machine several 4 MB writes at once can pass Redis's command
    // timeout (a 503 that leaves nothing behind: libs/scheduler/src/job-scheduler.int-spec.ts).
    const answers: Array<{ status: number; jobId: string | null; text: string }> = [];
    for (const [path, body] of requests) {
      const response = await postJson(`${grid.gatewayUrl}${path}`, body);
      const text = await response.text();
      answers.push({ status: response.status, jobId: response.headers.get('x-gridllm-job-id'), text });
    }
    expect(answers.map((answer) => answer.status)).toEqual(requests.map(([, , status]) => status));
    const asyncId = (JSON.parse(answers[4].text) as { id: string }).id;
    await waitFor('async job completed', async () => {
      const status = (await (await fetch(`${grid.gatewayUrl}/inference/${asyncId}/status`)).json()) as {
        state: string;
      };
      return status.state === 'completed';
    });

    // The native API still answers from what a finished job keeps.
    const result = await fetch(`${grid.gatewayUrl}/inference/${asyncId}/result`);
    expect(result.status).toBe(200);
    expect(((await result.json()) as { result: { done: boolean } }).result.done).toBe(true);
    const jobIds = [...answers.slice(0, 4).map((answer) => answer.jobId), asyncId];
    for (const hash of await jobHashesOf(redis, jobIds)) {
      expect(hash.dataBytes).toBeLessThan(4096);
      expect(hash.totalBytes).toBeLessThan(MAX_BYTES_PER_JOB);
    }
    const after = await footprint(redis);
    expectWithin(after, before, jobIds.length);
  });

  it('stores nothing of a rejected request: 400, 404, 413, 429 and 503 write no job, stream or payload', async () => {
    const limited = await new AppProcess('gateway', {
      ...grid.redisEnv(),
      BODY_LIMIT: '8mb',
      RATE_LIMIT_REQUESTS: '1',
      RATE_LIMIT_WINDOW: '60',
    }).start();
    try {
      const limitedUrl = await limited.url;
      // Use up its allowance (the start-up probe already took some of it).
      await waitFor('rate limit reached', async () => (await fetch(`${limitedUrl}/api/tags`)).status === 429);
      const generate = (url: string, body: unknown) => postJson(`${url}/api/generate`, body);
      const before = await footprint(redis);
      const statuses: number[] = [];
      for (const [url, body] of [
        [grid.gatewayUrl, { model: 'nobody-has-it', prompt: largePrompt('f') }],
        [grid.gatewayUrl, `{"model":"big","prompt":"${largePrompt('g')}`],
        [grid.gatewayUrl, { model: 'big', prompt: `${largePrompt('h')}${'y'.repeat(5 * MB)}` }],
        [limitedUrl, { model: 'big', prompt: largePrompt('i') }],
      ] as const) {
        statuses.push((await generate(url, body)).status);
      }
      // A model whose only worker is gone answers 503 for minutes (it may be restarting).
      await grid.workers.get('capped-worker')?.stop('SIGKILL');
      await grid.waitForWorker('capped-worker', 'gone');
      statuses.push((await generate(grid.gatewayUrl, { model: 'chatty', prompt: largePrompt('j') })).status);

      expect(statuses).toEqual([404, 400, 413, 429, 503]);
      const after = await footprint(redis);
      expect(after.largestKeyBytes).toBeLessThan(MAX_KEY_BYTES);
      expect(after.jobKeys).toBe(before.jobKeys);
      expect(after.keyBytes - before.keyBytes).toBeLessThan(MB);
    } finally {
      await limited.stop('SIGKILL');
    }
  });
});

describe('Job stream caps', () => {
  const grid = new TestGrid();
  let capped: OllamaFixture;
  let redis: Redis;

  beforeAll(async () => {
    await grid.start();
    redis = grid.redis.client();
    capped = await grid.startFixture({
      models: [{ name: 'chatty:latest' }],
      tokensPerAnswer: 400,
      tokenDelayMs: 5,
    });
    await grid.startGateway();
    await grid.startWorker('capped-worker', capped, { STREAM_MAX_EVENTS: '100', STREAM_MAX_BYTES: '64kb' });
  });

  afterAll(async () => {
    redis.disconnect();
    await grid.stop();
  });

  it('ends a stream that reaches STREAM_MAX_EVENTS with an error line, and stops the engine', async () => {
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'chatty', prompt: 'talk' });
    const lines = (await readNdjson(response)).map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    const jobId = response.headers.get('x-gridllm-job-id') ?? '';

    expect(lines.filter((line) => line.done === true)).toHaveLength(0);
    expect(lines.slice(0, -1).every((line) => typeof line.response === 'string')).toBe(true);
    expect(String(lines[lines.length - 1].error)).toMatch(/STREAM_MAX_EVENTS \(100 events\)/);
    expect(await redis.xlen(`gridllm:job-stream:${jobId}`)).toBeLessThanOrEqual(100);
    await waitFor('engine stopped', () => capped.aborted >= 1 && capped.inFlight === 0, 10000);
  });

  it('ends a job whose answer outgrows STREAM_MAX_BYTES with an error line, streamed or not', async () => {
    // The fixture's `context` holds one token id per prompt word: 40,000 words make a ~270 KB final chunk.
    const prompt = 'word '.repeat(40000);
    const streamed = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'chatty',
      prompt,
      options: { num_predict: 5 },
    });
    const lines = (await readNdjson(streamed)).map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    const merged = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'chatty',
      prompt,
      stream: false,
      options: { num_predict: 5 },
    });

    expect(lines).toHaveLength(6);
    expect(String(lines[5].error)).toMatch(/STREAM_MAX_BYTES \(65536 bytes\)/);
    expect(merged.status).toBe(502);
    expect(((await merged.json()) as { error: string }).error).toMatch(/STREAM_MAX_BYTES/);
    const streamBytes = await redis.memory(
      'USAGE',
      `gridllm:job-stream:${streamed.headers.get('x-gridllm-job-id')}`,
    );
    expect(streamBytes).toBeLessThan(64 * 1024);
  });
});

function expectWithin(after: RedisFootprint, before: RedisFootprint, jobs: number): void {
  expect(after.largestKeyBytes).toBeLessThan(MAX_KEY_BYTES);
  // Prefix affinity remembers up to MAX_PREFIX_CHECKPOINTS (32) checkpoints of each prompt, each key expiring.
  const affinityKeys = after.affinityKeys - before.affinityKeys;
  expect(affinityKeys).toBeLessThanOrEqual(jobs * MAX_PREFIX_CHECKPOINTS);
  expect(after.affinityKeysWithoutTtl).toBe(0);
  expect(after.keys - before.keys - affinityKeys).toBeLessThanOrEqual(jobs * MAX_KEYS_PER_JOB + 10);
  expect(after.keyBytes - before.keyBytes).toBeLessThan(jobs * MAX_BYTES_PER_JOB + 2 * MB);
}

describe('Gateway memory after a burst of large bodies', () => {
  const grid = new TestGrid();
  let gateway: AppProcess;

  beforeAll(async () => {
    await grid.start();
    const big = await grid.startFixture({ models: [{ name: 'big:latest' }], recordLimit: 0 });
    gateway = await grid.startGateway({ BODY_LIMIT: '8mb' });
    await grid.startWorker('big-worker', big, { MAX_CONCURRENT_TASKS: '2' });
  });

  afterAll(() => grid.stop());

  it('returns to within 30% of its resident memory before the burst within a minute', async () => {
    const pid = gateway.pid ?? 0;
    for (let i = 0; i < 10; i += 1) {
      await (
        await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'big', prompt: 'warm up', stream: false })
      ).text();
    }
    const baseline = rssMb(pid);
    const bodies = Array.from({ length: 24 }, (_, i) => {
      const prompt = largePrompt(`burst-${i}`);
      if (i % 3 === 0) return { model: 'big', prompt, stream: false };
      if (i % 3 === 1) return { model: 'big', prompt, raw: true, template: 'x', stream: false };
      return { model: 'nobody-has-it', prompt };
    });
    let peak = baseline;
    for (let i = 0; i < bodies.length; i += 4) {
      await Promise.all(
        bodies
          .slice(i, i + 4)
          .map(async (body) => (await postJson(`${grid.gatewayUrl}/api/generate`, body)).text()),
      );
      peak = Math.max(peak, rssMb(pid));
    }
    // The burst really did raise memory (else this test would prove nothing), then it must come back.
    expect(peak).toBeGreaterThan(baseline * 1.3);
    const settled = await waitFor(
      'gateway RSS back near its baseline',
      () => rssMb(pid) <= baseline * 1.3 && rssMb(pid),
      60000,
      1000,
    );
    expect(settled).toBeLessThanOrEqual(baseline * 1.3);
  }, 180000);
});
