/**
 * What access control adds to one cheap request (GET /api/tags, no job), c=1, keep-alive: a gateway with
 * auth off beside one with auth on (a stored API key, and an HS256 JWT) and a rate limit in force, on one
 * real redis-server; then the bench's access phase with a worker (generate too, bench/access-jobs.ts).
 * Run with `npm run bench:access` (it builds first); prints tables, writes nothing.
 */
import { Agent, get } from 'node:http';

import { sign } from 'jsonwebtoken';

import { AppProcess } from '../test/support/app-process';
import { RedisServer } from '../test/support/redis-server';
import { ADMIN_KEY, createKey } from './access';
import { accessJobRows } from './access-jobs';
import { percentile } from './stats';

const JWT_SECRET = 'bench-hs256-secret-of-at-least-32-characters';
const WARMUP = 200;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = 2;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    get(`${url}/api/tags`, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
          : reject(new Error(`GET /api/tags answered ${res.statusCode}`)),
      );
    }).on('error', reject);
  });
}

async function measure(url: string, headers: Record<string, string>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await timedGet(url, headers);
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) times.push(await timedGet(url, headers));
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const redis = new RedisServer();
  const processes: AppProcess[] = [];
  try {
    await redis.start();
    const redisEnv = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port), NODE_ENV: 'production' };
    const open = new AppProcess('gateway', { ...redisEnv, SERVER_ID: 'bench-open' });
    const guarded = new AppProcess('gateway', {
      ...redisEnv,
      SERVER_ID: 'bench-guarded',
      ADMIN_API_KEY: ADMIN_KEY,
      JWT_SECRET,
      // High enough never to refuse: the cost of counting is what is measured.
      RATE_LIMIT_REQUESTS: '100000000',
    });
    processes.push(open, guarded);
    await Promise.all(processes.map((app) => app.start()));
    const [openUrl, guardedUrl] = await Promise.all([open.url, guarded.url]);
    const key = await createKey(guardedUrl);
    const token = sign({ sub: 'bench', scope: 'inference' }, JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: 3600,
    });
    const cases: Array<[string, string, Record<string, string>]> = [
      ['auth off, no rate limit', openUrl, {}],
      ['API key + rate limit', guardedUrl, { Authorization: `Bearer ${key}` }],
      ['JWT HS256 + rate limit', guardedUrl, { Authorization: `Bearer ${token}` }],
    ];
    const results = new Map<string, number[]>();
    // Rounds alternate the cases so drift of the machine hits all of them alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url, headers] of cases) {
        results.set(name, [...(results.get(name) ?? []), ...(await measure(url, headers))]);
      }
    }
    console.log(`GET /api/tags, c=1, ${ROUNDS} × ${REQUESTS} requests per case`);
    for (const [name, times] of results) {
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50).toFixed(3);
      const p99 = percentile(times, 99).toFixed(3);
      console.log(`${name.padEnd(26)} p50 ${p50} ms   p99 ${p99} ms`);
    }
  } finally {
    await Promise.all(processes.map((app) => app.stop()));
    await redis.stop();
    agent.destroy();
  }
}

main()
  .then(accessJobRows)
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
