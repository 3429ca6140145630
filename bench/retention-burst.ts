/**
 * `npm run bench:retention`: what a burst of multi-MB request bodies leaves behind. Starts redis-server,
 * the Ollama fixture, the built gateway and one worker; sends BURST large bodies (completed, failed,
 * rejected), then prints Redis `used_memory`, DBSIZE, the largest keys, and the gateway's RSS every
 * 10 s for a minute. Stops everything it started.
 */
import { readFileSync } from 'node:fs';

import { TestGrid, postJson } from '../test/support/test-grid';

const BURST = Number(process.env.BURST ?? 40);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const BODY_MB = Number(process.env.BODY_MB ?? 5);

const log = (line: string): void => console.log(`retention: ${line}`);

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/**
 * One long word (like base64 data): Ollama truncates a prompt to num_ctx, so its `context` stays small,
 * while the fixture returns one token id per prompt word, which would make every answer prompt-sized.
 */
export function largePrompt(megabytes: number, salt: string): string {
  return `${salt} ${'x'.repeat(megabytes * 1024 * 1024)}`;
}

const KINDS = ['generate', 'chat-stream', 'failed', 'unknown-model'] as const;

async function send(url: string, index: number): Promise<number> {
  const prompt = largePrompt(BODY_MB, `r${index}`);
  const kind = KINDS[index % KINDS.length];
  const body =
    kind === 'generate'
      ? { model: 'big', prompt, stream: false }
      : kind === 'chat-stream'
        ? { model: 'big', messages: [{ role: 'user', content: prompt }] }
        : kind === 'failed'
          ? { model: 'big', prompt, keep_alive: 'not-a-duration', stream: false }
          : { model: 'nobody-serves-this', prompt, stream: false };
  const path = kind === 'chat-stream' ? '/api/chat' : '/api/generate';
  const response = await postJson(`${url}${path}`, body);
  await response.arrayBuffer();
  return response.status;
}

async function fieldSizes(redis: ReturnType<TestGrid['redis']['client']>, key: string): Promise<string> {
  const names = await redis.hkeys(key);
  const lengths = await Promise.all(names.map((name) => redis.hstrlen(key, name)));
  return `(${names.map((name, i) => `${name}:${Math.round(lengths[i] / 1024)}kB`).join(' ')})`;
}

async function redisState(grid: TestGrid): Promise<string> {
  const redis = grid.redis.client();
  try {
    const info = await redis.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    const keys = await redis.keys('*');
    const sizes = await Promise.all(
      keys.map(async (key): Promise<[string, number]> => [key, (await redis.memory('USAGE', key)) ?? 0]),
    );
    const largest = sizes
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([key, bytes]) => `${key.replace(/[0-9a-f-]{36}/, '<id>')}=${Math.round(bytes / 1024)}kB`);
    const [biggest] = sizes;
    const fields =
      biggest && (await redis.type(biggest[0])) === 'hash' ? await fieldSizes(redis, biggest[0]) : '';
    return `used_memory=${(used / 1024 / 1024).toFixed(1)}MB dbsize=${keys.length} largest: ${largest.join(' ')} ${fields}`;
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const grid = await new TestGrid().start();
  try {
    const fixture = await grid.startFixture({ models: [{ name: 'big:latest' }] });
    // GATEWAY_ENV: extra variables for the gateway process as JSON, e.g. '{"MALLOC_ARENA_MAX":"2"}'.
    const extra = JSON.parse(process.env.GATEWAY_ENV ?? '{}') as Record<string, string>;
    const gateway = await grid.startGateway({ LOG_LEVEL: 'warn', ...extra });
    await grid.startWorker('retention-worker', fixture, { MAX_CONCURRENT_TASKS: '2' });
    const pid = gateway.pid ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    log(`before: gateway rss=${rssMb(pid)}MB; ${await redisState(grid)}`);
    const statuses: Record<string, number> = {};
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < BURST) {
          const index = next++;
          const status = `${KINDS[index % KINDS.length]}:${await send(grid.gatewayUrl, index)}`;
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }),
    );
    log(
      `burst: ${BURST} x ${BODY_MB} MB in ${Date.now() - started} ms, statuses ${JSON.stringify(statuses)}`,
    );
    log(`after burst: ${await redisState(grid)}`);
    for (let second = 0; second <= 60; second += 10) {
      log(`t+${second}s gateway rss=${rssMb(pid)}MB`);
      if (second < 60) await new Promise((resolve) => setTimeout(resolve, 10000));
    }
    log(`after 60 s: ${await redisState(grid)}`);
  } finally {
    await grid.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
