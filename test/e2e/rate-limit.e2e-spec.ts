import Redis from 'ioredis';

import { AppProcess } from '../support/app-process';
import { TestGrid, postJson } from '../support/test-grid';

const WINDOW = { RATE_LIMIT_WINDOW: '60' };
const ADMIN_API_KEY = 'admin-secret-for-rate-limit-tests';

/** Retry-After as the number of seconds it must be: a whole number in 1..60. */
function retryAfterOf(response: Response): number {
  const header = response.headers.get('retry-after') ?? '';
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

/** A grid with two gateway replicas on one Redis, and a client to look at that Redis. */
function twoGateways(env: Record<string, string>) {
  const grid = new TestGrid();
  const state = { urls: [] as string[], redis: null as unknown as Redis, second: null as AppProcess | null };

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway(env);
    state.second = await new AppProcess('gateway', { ...grid.redisEnv(), ...env }).start();
    state.urls = [grid.gatewayUrl, await state.second.url];
    state.redis = grid.redis.client();
    // Start every counter afresh: the start-up probes of AppProcess may have counted.
    const keys = await state.redis.keys('gridllm:throttle:*');
    if (keys.length > 0) await state.redis.del(...keys);
  });

  afterAll(async () => {
    if (state.redis?.status === 'ready') state.redis.disconnect();
    await state.second?.stop('SIGKILL');
    await grid.stop();
  });

  return { grid, state };
}

describe('Request rate limits per client IP across gateway replicas (auth off)', () => {
  const { grid, state } = twoGateways({ ...WINDOW, RATE_LIMIT_REQUESTS: '5' });
  const refusal = /^rate limit exceeded: 5 requests per 60 s for client 127\.0\.0\.1; retry in (\d+) s$/;
  const answers: Response[] = [];

  beforeAll(async () => {
    // Alternate replicas and API families: one shared counter must see all of them.
    const paths = ['/api/tags', '/v1/models'];
    for (let i = 0; i < 10; i++) {
      answers.push(await fetch(`${state.urls[i % 2]}${paths[Math.floor(i / 2) % 2]}`));
    }
  });

  it('lets exactly RATE_LIMIT_REQUESTS requests through in total, counted down on both gateways', () => {
    expect(answers.map((answer) => answer.status)).toEqual([
      200, 200, 200, 200, 200, 429, 429, 429, 429, 429,
    ]);
    const remaining = answers.slice(0, 5).map((answer) => answer.headers.get('x-ratelimit-remaining'));
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expect(answers[0].headers.get('x-ratelimit-limit')).toBe('5');
  });

  it('keeps its counters in Redis under the grid prefix, one per client', async () => {
    expect((await state.redis.keys('gridllm:throttle:*')).sort()).toEqual([
      'gridllm:throttle:{ip:127.0.0.1:default}:blocked',
      'gridllm:throttle:{ip:127.0.0.1:default}:hits',
    ]);
    expect(await state.redis.pttl('gridllm:throttle:{ip:127.0.0.1:default}:hits')).toBeGreaterThan(0);
  });

  it("refuses on /api/* in Ollama's shape with Retry-After", async () => {
    const refused = answers.filter((a) => a.status === 429 && new URL(a.url).pathname === '/api/tags');
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      const seconds = retryAfterOf(answer);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await answer.json()) as { error: string };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).toMatch(refusal);
      expect(Number(refusal.exec(body.error)?.[1])).toBe(seconds);
    }
  });

  it("refuses on /v1/* in OpenAI's shape with Retry-After", async () => {
    const refused = answers.filter((a) => a.status === 429 && new URL(a.url).pathname === '/v1/models');
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      retryAfterOf(answer);
      expect(await answer.json()).toEqual({
        error: { message: expect.stringMatching(refusal), type: 'rate_limit_error', param: null, code: null },
      });
    }
  });

  it('keeps probes, metrics and docs reachable on both gateways while the client is limited', async () => {
    for (const url of state.urls) {
      expect((await fetch(`${url}/api/version`)).status).toBe(429);
      for (const path of ['/health/live', '/metrics', '/docs-json']) {
        expect({ path, status: (await fetch(`${url}${path}`)).status }).toEqual({ path, status: 200 });
      }
    }
  });

  // Last: it stops Redis for good.
  it('answers 503 within about a second, not a hang, while Redis is down', async () => {
    state.redis.disconnect(); // while Redis is up: later it would keep retrying and hold Jest open
    await grid.redis.shutdownKeepingData();
    const started = Date.now();
    const answer = await fetch(`${state.urls[0]}/api/tags`);

    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('Request rate limits per API key across gateway replicas (auth on)', () => {
  const { state } = twoGateways({ ...WINDOW, RATE_LIMIT_REQUESTS: '20', ADMIN_API_KEY });
  const keys = { limited: { key: '', id: '' }, ordinary: { key: '', id: '' } };

  const createKey = async (body: object) => {
    const response = await postJson(`${state.urls[0]}/admin/keys`, body, {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_API_KEY}` },
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { key: string; id: string };
  };
  const tagsWith = (key: string, i: number) =>
    fetch(`${state.urls[i % 2]}/api/tags`, { headers: { Authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    keys.limited = await createKey({
      name: 'limited',
      scopes: ['inference'],
      rateLimit: { requests: 3, windowSeconds: 60 },
    });
    keys.ordinary = await createKey({ name: 'ordinary', scopes: ['inference'] });
  });

  it('limits a key with its own limit at that limit across both gateways, naming the key, not its secret', async () => {
    const answers: Response[] = [];
    for (let i = 0; i < 6; i++) answers.push(await tagsWith(keys.limited.key, i));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429, 429, 429]);
    expect(answers[0].headers.get('x-ratelimit-limit')).toBe('3');
    retryAfterOf(answers[3]);
    const { error } = (await answers[3].json()) as { error: string };
    expect(error).toMatch(
      new RegExp(`^rate limit exceeded: 3 requests per 60 s for key ${keys.limited.id}; retry in \\d+ s$`),
    );
    expect(error).not.toContain(keys.limited.key);
  });

  it('leaves a key under the global limit unaffected by another key being limited', async () => {
    const answers: Response[] = [];
    for (let i = 0; i < 6; i++) answers.push(await tagsWith(keys.ordinary.key, i));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers[5].headers.get('x-ratelimit-limit')).toBe('20');
    expect(answers[5].headers.get('x-ratelimit-remaining')).toBe('14');
  });

  it('counts each key under its id, never its secret', async () => {
    const stored = await state.redis.keys('gridllm:throttle:*');

    expect(stored).toEqual(expect.arrayContaining([`gridllm:throttle:{${keys.limited.id}:default}:hits`]));
    expect(stored.some((name) => name.includes(keys.limited.key) || name.includes(keys.ordinary.key))).toBe(
      false,
    );
  });
});

describe('Request rate limits on the routes that queue jobs (auth on; the count runs beside the request)', () => {
  const { grid, state } = twoGateways({ ...WINDOW, RATE_LIMIT_REQUESTS: '20', ADMIN_API_KEY });
  const engine = { asked: (): string[] => [] };
  let key = { key: '', id: '' };

  beforeAll(async () => {
    const ollama = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    // The engine calls of this test's requests (each says 'hi'), not the worker's own (inventory, probes).
    engine.asked = () =>
      ollama.requests.filter((r) => JSON.stringify(r.body ?? '').includes('"hi"')).map((r) => r.path);
    await grid.startWorker('rate-worker', ollama);
    const created = await postJson(
      `${state.urls[0]}/admin/keys`,
      { name: 'jobs', scopes: ['inference'], rateLimit: { requests: 4, windowSeconds: 60 } },
      { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_API_KEY}` } },
    );
    expect(created.status).toBe(201);
    key = (await created.json()) as { key: string; id: string };
  });

  const send = (path: string, body: object, i: number) =>
    postJson(`${state.urls[i % 2]}${path}`, body, {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key.key}` },
    });

  it('lets exactly the allowance through on generate, chat and embed, and refuses the rest with nothing run', async () => {
    const requests: Array<[string, object]> = [
      ['/api/generate', { model: 'llama3.2', prompt: 'hi', stream: false }],
      ['/api/chat', { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false }],
      ['/api/generate', { model: 'llama3.2', prompt: 'hi' }],
      ['/api/embed', { model: 'llama3.2', input: 'hi' }],
      ['/api/generate', { model: 'llama3.2', prompt: 'hi', stream: false }],
      ['/api/chat', { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }],
      ['/api/embeddings', { model: 'llama3.2', prompt: 'hi' }],
      ['/api/generate', { model: 'llama3.2', prompt: '' }],
    ];
    const answers: Response[] = [];
    for (const [i, [path, body]] of requests.entries()) {
      const answer = await send(path, body, i);
      await answer.text();
      answers.push(answer);
    }

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    expect(answers[3].headers.get('x-ratelimit-remaining')).toBe('0');
    expect(answers[0].headers.get('x-ratelimit-limit')).toBe('4');
    for (const refused of answers.slice(4)) retryAfterOf(refused);
    // The four allowed ran; the refused ones (a load request among them) reached no queue and no engine.
    expect(engine.asked().sort()).toEqual(['/api/chat', '/api/embed', '/api/generate', '/api/generate']);
    expect(await state.redis.keys('gridllm:*job-queue:*')).toHaveLength(4);
  });

  it("refuses in Ollama's shape, naming the key", async () => {
    const answer = await send('/api/generate', { model: 'llama3.2', prompt: 'hi', stream: false }, 0);

    expect(answer.status).toBe(429);
    const { error } = (await answer.json()) as { error: string };
    expect(error).toMatch(
      new RegExp(`^rate limit exceeded: 4 requests per 60 s for key ${key.id}; retry in \\d+ s$`),
    );
  });

  it('answers a bad body over the limit with its 400, and goes on refusing', async () => {
    const bad = await send('/api/generate', { model: 7, prompt: 'hi' }, 1);
    expect(bad.status).toBe(400);
    await bad.text();
    // The count of the bad request came back after its answer: the gateway carries on as before.
    const refused = await send('/api/chat', { model: 'llama3.2', messages: [] }, 1);
    expect(refused.status).toBe(429);
    expect((await fetch(`${state.urls[1]}/health/live`)).status).toBe(200);
  });

  it('counts a request refused for its body, and one refused for its model', async () => {
    const created = await postJson(
      `${state.urls[0]}/admin/keys`,
      { name: 'careless', scopes: ['inference'], rateLimit: { requests: 3, windowSeconds: 60 } },
      { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_API_KEY}` } },
    );
    const careless = (await created.json()) as { key: string };
    const requests: object[] = [
      { model: 7, prompt: 'hi' },
      { model: 'no-such-model', prompt: 'hi', stream: false },
      { model: 'llama3.2', prompt: 'hi', stream: false },
      { model: 'llama3.2', prompt: 'hi', stream: false },
    ];
    const answers: Response[] = [];
    for (const [i, body] of requests.entries()) {
      const answer = await postJson(`${state.urls[i % 2]}/api/generate`, body, {
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${careless.key}` },
      });
      await answer.text();
      answers.push(answer);
    }

    expect(answers.map((answer) => answer.status)).toEqual([400, 404, 200, 429]);
    expect(answers[2].headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('counts the same way on the OpenAI and Anthropic routes, refusing in their shapes', async () => {
    const created = await postJson(
      `${state.urls[0]}/admin/keys`,
      { name: 'families', scopes: ['inference'], rateLimit: { requests: 2, windowSeconds: 60 } },
      { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_API_KEY}` } },
    );
    const families = (await created.json()) as { key: string };
    const before = engine.asked().length;
    const hi = [{ role: 'user', content: 'hi' }];
    const requests: Array<[string, object]> = [
      ['/v1/chat/completions', { model: 'llama3.2', messages: hi }],
      ['/v1/messages', { model: 'llama3.2', max_tokens: 8, messages: hi }],
      ['/v1/chat/completions', { model: 'llama3.2', messages: hi }],
      ['/v1/messages', { model: 'llama3.2', max_tokens: 8, messages: hi }],
      ['/v1/embeddings', { model: 'llama3.2', input: 'hi' }],
    ];
    const answers: Array<{ status: number; body: string }> = [];
    for (const [i, [path, body]] of requests.entries()) {
      const answer = await postJson(`${state.urls[i % 2]}${path}`, body, {
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${families.key}` },
      });
      answers.push({ status: answer.status, body: await answer.text() });
    }

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429, 429, 429]);
    expect(JSON.parse(answers[2].body)).toMatchObject({ error: { type: 'rate_limit_error' } });
    expect(JSON.parse(answers[3].body)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(engine.asked().length - before).toBe(2);
  });
});
