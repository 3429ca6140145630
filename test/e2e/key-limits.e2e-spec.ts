import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const ADMIN_KEY = 'admin-key-for-key-limits-e2e';
const MODEL = 'llama3.2:latest';
const TOKENS_PER_ANSWER = 40;

interface Totals {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  requests: number;
}

interface Usage {
  owner: string;
  total: Totals & { models: Record<string, Totals> };
  day: Totals & { period: string; resets_at: string; models: Record<string, Totals> };
  month: Totals & { period: string; resets_at: string; models: Record<string, Totals> };
}

describe('Per-key usage, token quotas and concurrency', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ tokensPerAnswer: TOKENS_PER_ANSWER, tokenDelayMs: 40 });
    await grid.startGateway({ ADMIN_API_KEY: ADMIN_KEY });
    await grid.startWorker('w1', fixture, { MAX_CONCURRENT_TASKS: '4' });
  });

  afterAll(() => grid.stop());

  beforeEach(() => fixture.resetCounters());

  async function createKey(spec: Record<string, unknown>): Promise<{ key: string; id: string }> {
    const response = await post('/admin/keys', { scopes: ['inference'], ...spec }, ADMIN_KEY);
    expect(response.status).toBe(201);
    return (await response.json()) as { key: string; id: string };
  }

  function post(path: string, body: unknown, key: string, signal?: AbortSignal): Promise<Response> {
    return fetch(`${grid.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
      signal,
    });
  }

  async function usageOf(id: string): Promise<Usage> {
    const response = await fetch(`${grid.gatewayUrl}/admin/keys/${id}/usage`, {
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Usage;
  }

  /** Usage is recorded by the worker just after the job's last event: wait until `requests` jobs are in. */
  const usageAfter = (id: string, requests: number) =>
    waitFor(`usage of ${requests} jobs`, async () => {
      const usage = await usageOf(id);
      return usage.total.requests >= requests ? usage : null;
    });

  describe('usage', () => {
    it("counts the engine's prompt and completion tokens of a completed job, per key and per model", async () => {
      const { key, id } = await createKey({ name: 'completed' });

      const response = await post(
        '/api/generate',
        { model: 'llama3.2', prompt: 'Why is the sky blue?', stream: false, options: { num_predict: 5 } },
        key,
      );
      const answer = await jsonOf(response);
      const usage = await usageAfter(id, 1);

      expect(response.status).toBe(200);
      expect(answer).toMatchObject({ prompt_eval_count: 5, eval_count: 5 });
      const expected = { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10, requests: 1 };
      expect(usage.owner).toBe(id);
      expect(usage.total).toMatchObject(expected);
      expect(usage.total.models).toEqual({ [MODEL]: expected });
      expect(usage.day).toMatchObject({ ...expected, period: new Date().toISOString().slice(0, 10) });
      expect(usage.month).toMatchObject({ ...expected, period: new Date().toISOString().slice(0, 7) });
    });

    it('counts what was generated for a stream the client aborted', async () => {
      const { key, id } = await createKey({ name: 'aborted' });
      const controller = new AbortController();

      const response = await post(
        '/api/generate',
        { model: 'llama3.2', prompt: 'long one' },
        key,
        controller.signal,
      );
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let received = '';
      while (received.split('\n').length <= 3)
        received += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      await waitFor('engine abort', () => fixture.aborted === 1, 5000);
      const usage = await usageAfter(id, 1);

      expect(response.status).toBe(200);
      expect(fixture.completed).toBe(0);
      expect(usage.total.prompt_tokens).toBe(0);
      expect(usage.total.completion_tokens).toBeGreaterThanOrEqual(3);
      expect(usage.total.completion_tokens).toBeLessThan(TOKENS_PER_ANSWER);
      expect(usage.total.models[MODEL]).toMatchObject({ requests: 1 });
    });
  });

  describe('token quota', () => {
    it('answers 429 with Retry-After in both API families once the quota is used up', async () => {
      const { key, id } = await createKey({ name: 'quota', tokenQuota: { tokens: 8, period: 'day' } });
      const first = await post(
        '/api/generate',
        { model: 'llama3.2', prompt: 'one two three', stream: false, options: { num_predict: 5 } },
        key,
      );
      expect(first.status).toBe(200);
      await jsonOf(first);
      await usageAfter(id, 1);

      const ollama = await post('/api/generate', { model: 'llama3.2', prompt: 'again' }, key);
      const openai = await post(
        '/v1/chat/completions',
        { model: 'llama3.2', messages: [{ role: 'user', content: 'again' }] },
        key,
      );

      expect(ollama.status).toBe(429);
      const resetsAt = new Date(
        Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1),
      );
      expect(await ollama.json()).toEqual({
        error: `token quota exhausted: key ${id} used 8 of 8 tokens today; resets at ${resetsAt.toISOString().replace('.000Z', 'Z')}`,
      });
      const retryAfter = Number(ollama.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      expect(openai.status).toBe(429);
      expect(openai.headers.get('retry-after')).not.toBeNull();
      expect(await openai.json()).toEqual({
        error: {
          message: expect.stringMatching(/^token quota exhausted: key key_\w+ used 8 of 8 tokens today/),
          type: 'rate_limit_error',
          param: null,
          code: null,
        },
      });
      expect(fixture.requests.filter((request) => request.path === '/api/generate')).toHaveLength(1);
    });
  });

  describe('concurrency', () => {
    it('refuses jobs beyond the key’s limit and accepts new ones once its jobs have ended', async () => {
      const { key, id } = await createKey({ name: 'concurrency', maxConcurrent: 2 });
      const stream = (n: number) => post('/api/generate', { model: 'llama3.2', prompt: `slow ${n}` }, key);

      const responses = await Promise.all([1, 2, 3, 4].map(stream));
      const accepted = responses.filter((response) => response.status === 200);
      const refused = responses.filter((response) => response.status === 429);

      expect(accepted).toHaveLength(2);
      expect(refused).toHaveLength(2);
      for (const response of refused) {
        expect(response.headers.get('retry-after')).toBe('1');
        expect(await response.json()).toEqual({
          error: `key ${id} already has 2 jobs queued or running (its limit is 2)`,
        });
      }
      for (const response of accepted) {
        const lines = await readNdjson(response);
        expect(JSON.parse(lines[lines.length - 1].line)).toMatchObject({ done: true });
      }
      expect((await usageAfter(id, 2)).total.requests).toBe(2);

      const again = await Promise.all([5, 6].map(stream));
      expect(again.map((response) => response.status)).toEqual([200, 200]);
      await Promise.all(again.map((response) => readNdjson(response)));
    });
  });
});
