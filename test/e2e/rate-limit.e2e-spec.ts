import Redis from 'ioredis';

import { AppProcess } from '../support/app-process';
import { TestGrid } from '../support/test-grid';

const LIMITED = { RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW: '60' };
const REFUSAL = /^rate limit exceeded: 5 requests per 60 s for client 127\.0\.0\.1; retry in (\d+) s$/;

/** Retry-After as the number of seconds it must be: a whole number in 1..60. */
function retryAfterOf(response: Response): number {
  const header = response.headers.get('retry-after') ?? '';
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

describe('Request rate limits across gateway replicas', () => {
  const grid = new TestGrid();
  let second: AppProcess;
  let urls: string[];
  let redis: Redis;

  /** Starts every counter afresh (the start-up probes of AppProcess already counted). */
  async function resetCounters(): Promise<void> {
    const keys = await redis.keys('gridllm:throttle:*');
    if (keys.length > 0) await redis.del(...keys);
  }

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway(LIMITED);
    second = await new AppProcess('gateway', { ...grid.redisEnv(), ...LIMITED }).start();
    urls = [grid.gatewayUrl, await second.url];
    redis = grid.redis.client();
  });

  afterAll(async () => {
    if (redis?.status === 'ready') redis.disconnect();
    await second?.stop('SIGKILL');
    await grid.stop();
  });

  describe('per client IP, auth off', () => {
    const answers: Response[] = [];

    beforeAll(async () => {
      await resetCounters();
      // Alternate replicas and API families: one shared counter must see all of them.
      const paths = ['/api/tags', '/v1/models'];
      for (let i = 0; i < 10; i++) answers.push(await fetch(`${urls[i % 2]}${paths[Math.floor(i / 2) % 2]}`));
    });

    it('lets exactly RATE_LIMIT_REQUESTS requests through in total, counted down on both gateways', () => {
      expect(answers.map((answer) => answer.status)).toEqual([
        200, 200, 200, 200, 200, 429, 429, 429, 429, 429,
      ]);
      expect(answers.slice(0, 5).map((answer) => answer.headers.get('x-ratelimit-remaining'))).toEqual([
        '4',
        '3',
        '2',
        '1',
        '0',
      ]);
      expect(answers[0].headers.get('x-ratelimit-limit')).toBe('5');
    });

    it('keeps its counters in Redis under the grid prefix, one per client', async () => {
      expect((await redis.keys('gridllm:throttle:*')).sort()).toEqual([
        'gridllm:throttle:{ip:127.0.0.1:default}:blocked',
        'gridllm:throttle:{ip:127.0.0.1:default}:hits',
      ]);
      expect(await redis.pttl('gridllm:throttle:{ip:127.0.0.1:default}:hits')).toBeGreaterThan(0);
    });

    it("refuses on /api/* in Ollama's shape with Retry-After", async () => {
      const refused = answers.filter(
        (answer) => answer.status === 429 && new URL(answer.url).pathname === '/api/tags',
      );
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) {
        const seconds = retryAfterOf(answer);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        const body = (await answer.json()) as { error: string };
        expect(Object.keys(body)).toEqual(['error']);
        expect(body.error).toMatch(REFUSAL);
        expect(Number(REFUSAL.exec(body.error)?.[1])).toBe(seconds);
      }
    });

    it("refuses on /v1/* in OpenAI's shape with Retry-After", async () => {
      const refused = answers.filter(
        (answer) => answer.status === 429 && new URL(answer.url).pathname === '/v1/models',
      );
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) {
        retryAfterOf(answer);
        const body = (await answer.json()) as { error: { message: string } };
        expect(body).toEqual({
          error: { message: expect.stringMatching(REFUSAL), type: 'api_error', param: null, code: null },
        });
      }
    });

    it('keeps probes, metrics and docs reachable on both gateways while the client is limited', async () => {
      for (const url of urls) {
        expect((await fetch(`${url}/api/version`)).status).toBe(429);
        for (const path of ['/health/live', '/metrics', '/docs-json']) {
          expect({ path, status: (await fetch(`${url}${path}`)).status }).toEqual({ path, status: 200 });
        }
      }
    });
  });

  // Last: it stops Redis for good.
  it('answers 503 within about a second, not a hang, while Redis is down', async () => {
    redis.disconnect(); // while Redis is up: later it would keep retrying and hold Jest open
    await grid.redis.shutdownKeepingData();
    const started = Date.now();
    const answer = await fetch(`${urls[0]}/api/tags`);

    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
