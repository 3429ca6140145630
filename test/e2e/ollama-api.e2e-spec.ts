import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const TIMING_FIELDS = [
  'created_at',
  'total_duration',
  'load_duration',
  'prompt_eval_duration',
  'eval_duration',
];

function withoutTiming(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !TIMING_FIELDS.includes(key)));
}

describe('Ollama API through the grid', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let base: string;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({
      tokenDelayMs: 40,
      numParallel: 4,
      models: [{ name: 'llama3.2:latest' }, { name: 'qwen3:latest', thinking: true, toolCalls: true }],
    });
    await grid.startGateway({ BODY_LIMIT: '1mb' });
    await grid.startWorker('worker-a', fixture, { MAX_CONCURRENT_TASKS: '4' });
    base = `${grid.gatewayUrl}/ollama`;
  });

  afterAll(() => grid.stop());

  describe('POST /api/generate', () => {
    it('streams chunks as they are produced, byte for byte, with exactly one done line', async () => {
      const body = { model: 'llama3.2', prompt: 'Why is the sky blue?' };
      const startedAt = Date.now();
      const response = await postJson(`${base}/api/generate`, body);
      const lines = await readNdjson(response);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-ndjson');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      expect(response.headers.get('content-encoding')).toBeNull();
      expect(response.headers.get('x-gridllm-job-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-gridllm-worker')).toBe('worker-a');

      const chunks = lines.map(({ line }) => JSON.parse(line) as Record<string, unknown>);
      const expected = fixture.expectedTokens('generate', body);
      expect(chunks.filter((chunk) => chunk.done === true)).toHaveLength(1);
      expect(chunks[chunks.length - 1]).toMatchObject({
        done: true,
        done_reason: 'stop',
        eval_count: expected.length,
      });
      expect(chunks.map((chunk) => chunk.response).join('')).toBe(expected.join(''));
      // Incremental: the first line arrived long before the last (8 tokens × 40 ms apart).
      expect(lines[lines.length - 1].at - lines[0].at).toBeGreaterThan(200);
      expect(lines[0].at - startedAt).toBeLessThan(lines[lines.length - 1].at - startedAt - 200);
    });

    it('relays the final line with the metrics exactly as the engine sent them', async () => {
      const response = await postJson(`${base}/api/generate`, { model: 'llama3.2', prompt: 'metrics' });
      const lines = await readNdjson(response);
      const final = lines[lines.length - 1].line;
      expect(Object.keys(JSON.parse(final) as object)).toEqual([
        'model',
        'created_at',
        'response',
        'done',
        'done_reason',
        'context',
        'total_duration',
        'load_duration',
        'prompt_eval_count',
        'prompt_eval_duration',
        'eval_count',
        'eval_duration',
      ]);
    });

    it('works with the official ollama client, streaming', async () => {
      const request = { model: 'llama3.2', prompt: 'Tell me a story' };
      const parts: string[] = [];
      let doneCount = 0;
      for await (const part of await grid.client().generate({ ...request, stream: true })) {
        parts.push(part.response ?? '');
        if (part.done) doneCount++;
      }
      expect(parts.join('')).toBe(fixture.expectedTokens('generate', request).join(''));
      expect(doneCount).toBe(1);
    });

    it('answers stream:false with the same object the engine itself returns', async () => {
      const body = { model: 'llama3.2', prompt: 'Compare me', stream: false };
      const viaGrid = await postJson(`${base}/api/generate`, body);
      const direct = await postJson(`${fixture.url}/api/generate`, body);
      const [gridAnswer, directAnswer] = [await jsonOf(viaGrid), await jsonOf(direct)];

      expect(viaGrid.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Object.keys(gridAnswer)).toEqual(Object.keys(directAnswer));
      expect(withoutTiming(gridAnswer)).toEqual(withoutTiming(directAnswer));
    });

    it('passes every request field through to the engine untouched', async () => {
      const body = {
        model: 'llama3.2',
        prompt: 'pass me through',
        suffix: ' the end',
        system: 'be brief',
        template: '{{ .Prompt }}',
        context: [1, 2, 3],
        options: { temperature: 0.2, num_ctx: 2048, seed: 7, stop: ['\n'], some_future_option: true },
        format: { type: 'object', properties: { answer: { type: 'string' } } },
        keep_alive: '10m',
        images: ['aGVsbG8='],
        unknown_field: { kept: true },
        stream: false,
      };
      const response = await postJson(`${base}/api/generate`, body);
      expect(response.status).toBe(200);
      const received = fixture.requests.filter((r) => r.path === '/api/generate').pop()?.body as Record<
        string,
        unknown
      >;
      expect(received).toEqual({ ...body, stream: true });
    });

    it('relays an engine error before streaming with its status and message', async () => {
      const response = await postJson(`${base}/api/generate`, {
        model: 'llama3.2',
        prompt: 'x',
        raw: true,
        system: 's',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toEqual({
        error: 'raw mode does not support template, system, or context',
      });
    });
  });

  describe('POST /api/chat', () => {
    it("reaches the engine's /api/chat with the messages untouched", async () => {
      const messages = [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello there', images: ['aGk='] },
        { role: 'assistant', content: 'Hi.' },
        { role: 'user', content: 'How are you?' },
      ];
      const response = await grid.client().chat({ model: 'llama3.2', messages });
      const received = fixture.requests.filter((r) => r.path === '/api/chat').pop()?.body as Record<
        string,
        unknown
      >;

      expect(received.messages).toEqual(messages);
      expect(
        fixture.requests.some(
          (r) => r.path === '/api/generate' && JSON.stringify(r.body).includes('You are terse'),
        ),
      ).toBe(false);
      expect(response.message.content).toBe(fixture.expectedTokens('chat', { messages }).join(''));
    });

    it('merges thinking and tool calls for stream:false exactly like the engine', async () => {
      const body = {
        model: 'qwen3',
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [
          {
            type: 'function',
            function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
          },
        ],
        think: true,
        stream: false,
      };
      const [viaGrid, direct] = await Promise.all([
        postJson(`${base}/api/chat`, body).then(jsonOf),
        postJson(`${fixture.url}/api/chat`, body).then(jsonOf),
      ]);
      expect(viaGrid.message?.tool_calls).toHaveLength(1);
      expect(viaGrid.message?.thinking).toBeTruthy();
      expect(withoutTiming(viaGrid)).toEqual(withoutTiming(direct));
      expect(JSON.stringify(Object.keys(viaGrid.message ?? {}))).toBe(
        JSON.stringify(Object.keys(direct.message ?? {})),
      );
    });

    it('streams thinking before content through the official client', async () => {
      const request = { model: 'qwen3', messages: [{ role: 'user', content: 'Think first' }], think: true };
      let thinking = '';
      let content = '';
      for await (const part of await grid.client().chat({ ...request, stream: true })) {
        thinking += part.message.thinking ?? '';
        content += part.message.content;
      }
      expect(thinking).toBe(fixture.expectedThinking('chat', request).join(''));
      expect(content).toBe(fixture.expectedTokens('chat', request).join(''));
    });
  });

  describe('errors', () => {
    it('answers 404 in Ollama words for an unknown model', async () => {
      await expect(grid.client().generate({ model: 'no-such-model', prompt: 'x' })).rejects.toMatchObject({
        status_code: 404,
        error: 'model "no-such-model" not found, try pulling it first',
      });
    });

    it('answers 400 with an error body for malformed JSON', async () => {
      const response = await postJson(`${base}/api/chat`, '{"model": "llama3.2", "messages": [');
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect((await jsonOf(response)).error).toMatch(/invalid JSON/);
    });

    it('answers 400 when the body or the model is missing', async () => {
      const empty = await fetch(`${base}/api/generate`, { method: 'POST' });
      expect(empty.status).toBe(400);
      expect(await empty.json()).toEqual({ error: 'missing request body' });
      const noModel = await postJson(`${base}/api/generate`, { prompt: 'x' });
      expect(noModel.status).toBe(400);
      expect(await noModel.json()).toEqual({ error: 'model is required' });
    });

    it('answers 413 for a body over BODY_LIMIT and accepts one under it', async () => {
      const image = 'A'.repeat(700 * 1024);
      const under = await postJson(`${base}/api/generate`, {
        model: 'llama3.2',
        prompt: 'img',
        images: [image],
        stream: false,
      });
      expect(under.status).toBe(200);
      const over = await postJson(`${base}/api/generate`, {
        model: 'llama3.2',
        prompt: 'img',
        images: [image, image],
      });
      expect(over.status).toBe(413);
      expect((await jsonOf(over)).error).toMatch(/too large/);
    });
  });

  describe('methods', () => {
    it('answers 405 with Allow for a known path asked with the wrong method, 404 for an unknown path', async () => {
      const wrong = await fetch(`${base}/api/generate`, { method: 'GET' });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('POST');
      expect(await wrong.json()).toEqual({ error: 'method not allowed' });
      const tagsPost = await postJson(`${grid.gatewayUrl}/api/tags`, {});
      expect(tagsPost.status).toBe(405);
      expect(tagsPost.headers.get('allow')).toBe('GET, HEAD');
      expect((await fetch(`${base}/api/nothing-here`)).status).toBe(404);
    });

    it('answers HEAD on the GET endpoints', async () => {
      for (const path of ['/api/tags', '/api/version', '/api/ps']) {
        expect((await fetch(`${base}${path}`, { method: 'HEAD' })).status).toBe(200);
      }
    });
  });

  describe('fleet endpoints', () => {
    it('lists the models of live workers once each', async () => {
      const { models } = await grid.client().list();
      expect(models.map((m) => m.name).sort()).toEqual(['llama3.2:latest', 'qwen3:latest']);
      const direct = (await (await fetch(`${fixture.url}/api/tags`)).json()) as {
        models: Array<{ name: string }>;
      };
      const llama = direct.models.find((m) => m.name === 'llama3.2:latest');
      expect(models.find((m) => m.name === 'llama3.2:latest')).toEqual(llama);
    });

    it('reports a version, and "Ollama is running" at the root for GET and HEAD', async () => {
      expect(await grid.client().version()).toEqual({ version: '0.12.6' });
      const root = await fetch(`${grid.gatewayUrl}/`);
      expect(await root.text()).toBe('Ollama is running');
      const head = await fetch(`${grid.gatewayUrl}/`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      const ollamaRoot = await fetch(`${grid.gatewayUrl}/ollama`);
      expect(await ollamaRoot.text()).toBe('Ollama is running');
    });

    it('serves Swagger UI at /docs and the OpenAPI document at /docs-json', async () => {
      const ui = await fetch(`${grid.gatewayUrl}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
      const doc = (await (await fetch(`${grid.gatewayUrl}/docs-json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/api/generate', '/ollama/api/chat', '/inference']),
      );
    });
  });

  describe('cancellation', () => {
    it('stops a chat on the engine when the official client aborts it', async () => {
      fixture.resetCounters();
      const client = grid.client();
      const stream = await client.chat({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'long chat' }],
        stream: true,
      });
      for await (const _part of stream) {
        stream.abort();
        break;
      }
      await waitFor('engine abort', () => fixture.aborted === 1, 5000);
      expect(fixture.completed).toBe(0);
    });

    it('stops the generation on the engine when the client disconnects', async () => {
      fixture.resetCounters();
      const controller = new AbortController();
      const response = await postJson(
        `${base}/api/generate`,
        { model: 'llama3.2', prompt: 'long one' },
        { signal: controller.signal },
      );
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      controller.abort();
      await waitFor('engine abort', () => fixture.aborted === 1, 5000);
      expect(fixture.completed).toBe(0);
    });
  });
});
