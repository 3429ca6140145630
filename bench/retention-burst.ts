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
 * Eight short words, then one long one (like base64 data). The fixture answers with the prompt's first
 * words and returns one `context` id per word, so its answer stays small, as a real model's would (Ollama
 * truncates a prompt to num_ctx): what remains is the cost of the request itself.
 */
export function largePrompt(megabytes: number, salt: string): string {
  return `${salt} a b c d e f g ${'x'.repeat(megabytes * 1024 * 1024)}`;
}

const KINDS = ['generate', 'chat-stream', 'failed', 'unknown-model'] as const;

/** The first error body seen per kind and status (error messages bound what they quote). */
const firstErrors = new Map<string, string>();

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
  const text = await response.text();
  const label = `${kind}:${response.status}`;
  if (response.status >= 400 && !firstErrors.has(label)) firstErrors.set(label, text.slice(0, 300));
  return response.status;
}

async function fieldSizes(redis: ReturnType<TestGrid['redis']['client']>, key: string): Promise<string> {
  const names = await redis.hkeys(key);
  const lengths = await Promise.all(names.map((name) => redis.hstrlen(key, name)));
  return `(${names.map((name, i) => `${name}:${Math.round(lengths[i] / 1024)}kB`).join(' ')})`;
}

/** The gateway's own view from /metrics: V8 heap used/total and external (Buffer) memory, MB. */
async function heapOf(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mb = (name: string) => {
    const line = text.split('\n').find((row) => row.startsWith(`${name} `));
    return line ? Math.round(Number(line.split(' ')[1]) / 1024 / 1024) : NaN;
  };
  return `heap=${mb('nodejs_heap_size_used_bytes')}/${mb('nodejs_heap_size_total_bytes')}MB external=${mb('nodejs_external_memory_bytes')}MB`;
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
    const field = (name: string) =>
      (Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]) / 1024 / 1024).toFixed(1);
    const parts = `dataset=${field('used_memory_dataset')}MB clients=${field('mem_clients_normal')}MB aof=${field('mem_aof_buffer')}MB`;
    return `used_memory=${(used / 1024 / 1024).toFixed(1)}MB (${parts}) dbsize=${keys.length} largest: ${largest.join(' ')} ${fields}`;
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const grid = await new TestGrid().start();
  try {
    const fixture = await grid.startFixture({ models: [{ name: 'big:latest' }], recordLimit: 0 });
    // GATEWAY_ENV: extra variables for the gateway process as JSON, e.g. '{"MALLOC_ARENA_MAX":"2"}'.
    const extra = JSON.parse(process.env.GATEWAY_ENV ?? '{}') as Record<string, string>;
    const gateway = await grid.startGateway({ LOG_LEVEL: 'warn', ...extra });
    await grid.startWorker('retention-worker', fixture, { MAX_CONCURRENT_TASKS: '2' });
    const pid = gateway.pid ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    log(`before: gateway rss=${rssMb(pid)}MB ${await heapOf(grid.gatewayUrl)}; ${await redisState(grid)}`);
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
    for (const [label, text] of firstErrors) log(`first ${label}: ${text}`);
    log(`after burst: ${await redisState(grid)}`);
    for (let second = 0; second <= 60; second += 10) {
      log(`t+${second}s gateway rss=${rssMb(pid)}MB ${await heapOf(grid.gatewayUrl)}`);
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
