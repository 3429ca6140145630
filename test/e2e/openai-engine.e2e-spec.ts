import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import OpenAI from 'openai';

import { writeDemoModel } from '../../scripts/gguf/demo-model';
import { OllamaFixture } from '../fixtures/ollama-fixture';
import { OpenAiServerFixture } from '../fixtures/openai-server-fixture';
import { TestGrid, jsonOf, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const DEMO = 'gridllm-demo:tiny';
const SERVED = 'Qwen/Qwen2.5-0.5B-Instruct';
const EMBEDDER = 'text-embedder';
const UPSTREAM_KEY = 'upstream-secret-key';
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** A mixed fleet: a worker in front of an Ollama, an embedded llama.cpp worker and one in front of a vLLM-like server. */
describe('Workers in front of OpenAI-compatible servers (ENGINE=openai)', () => {
  const grid = new TestGrid();
  const upstream = new OpenAiServerFixture({
    models: [
      { id: SERVED, toolCalls: true },
      { id: EMBEDDER, embeddingLength: 8 },
    ],
    apiKey: UPSTREAM_KEY,
    tokenDelayMs: 5,
  });
  const modelsDir = mkdtempSync(join(tmpdir(), 'gridllm-models-'));
  writeDemoModel(join(modelsDir, 'gridllm-demo-tiny.gguf'));
  let ollama: OllamaFixture;
  let openai: OpenAI;

  const upstreamBody = (path: string) =>
    upstream.requests.filter((request) => request.path === path).pop()?.body as Record<string, unknown>;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    await upstream.start();
    ollama = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    await grid.startWorker('ollama-worker', ollama);
    await grid.startWorker('embedded-worker', 'http://127.0.0.1:1', {
      ENGINE: 'llamacpp',
      MODELS_DIR: modelsDir,
      LLAMA_GPU: 'off',
      LLAMA_THREADS: '1',
    });
    // Without the /v1: the worker adds it.
    await grid.startWorker('openai-worker', 'http://127.0.0.1:1', {
      ENGINE: 'openai',
      ENGINE_URL: upstream.url,
      ENGINE_API_KEY: UPSTREAM_KEY,
      CIRCUIT_PROBE_INTERVAL: '300',
    });
    openai = new OpenAI({ baseURL: `${grid.gatewayUrl}/v1`, apiKey: 'any', maxRetries: 0 });
  });

  afterAll(async () => {
    await grid.stop();
    await upstream.stop();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('lists the models of all three engines, the served ones from GET /v1/models, with 16 slots by default', async () => {
    const { models } = await grid.client().list();
    expect(models.map((model) => model.name).sort()).toEqual(
      [DEMO, `${EMBEDDER}:latest`, `${SERVED}:latest`, 'llama3.2:latest'].sort(),
    );
    const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as Array<{
      id: string;
      engine: string;
      slots: number;
    }>;
    expect(workers.find((worker) => worker.id === 'openai-worker')).toMatchObject({
      engine: 'openai',
      slots: 16,
    });
    expect(upstream.requests.find((r) => r.path === '/v1/models')?.headers.authorization).toBe(
      `Bearer ${UPSTREAM_KEY}`,
    );
  });

  it('streams Ollama NDJSON from the server’s SSE through ollama-js, with usage counts and measured durations', async () => {
    const parts = [];
    for await (const part of await grid
      .client()
      .generate({ model: SERVED, prompt: 'say something nice', stream: true }))
      parts.push(part);
    const final = parts[parts.length - 1];
    expect(parts.filter((part) => part.done)).toHaveLength(1);
    expect(parts.map((part) => part.response).join('')).toBe(upstream.expectedText());
    expect(final).toMatchObject({ model: SERVED, done_reason: 'stop', eval_count: 8, prompt_eval_count: 3 });
    expect(final.total_duration).toBeGreaterThan(final.eval_duration);
    expect(final.eval_duration).toBeGreaterThan(0);
    expect(upstreamBody('/v1/completions')).toEqual({
      model: SERVED,
      prompt: 'say something nice',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps chat options, num_predict and a JSON schema format onto /v1/chat/completions', async () => {
    const format = { type: 'object', properties: { answer: { type: 'string' } } };
    const answer = await grid.client().chat({
      model: SERVED,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
      format,
      options: { temperature: 0.2, top_p: 0.9, top_k: 20, seed: 7, stop: ['END'], num_predict: 64 },
    });
    expect(answer.message).toEqual({ role: 'assistant', content: '{"answer": "ok"}' });
    expect(answer).toMatchObject({ done: true, done_reason: 'stop', eval_count: 3, prompt_eval_count: 4 });
    expect(upstreamBody('/v1/chat/completions')).toEqual({
      model: SERVED,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      top_k: 20,
      seed: 7,
      stop: ['END'],
      max_tokens: 64,
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: format } },
    });
  });

  it('ends with done_reason length when num_predict cuts the answer', async () => {
    const answer = await grid.client().generate({ model: SERVED, prompt: 'x', options: { num_predict: 3 } });
    expect(answer).toMatchObject({
      response: upstream.expectedText(3),
      done_reason: 'length',
      eval_count: 3,
    });
  });

  it('answers a tool call in Ollama’s shape, arguments as an object', async () => {
    const answer = await grid.client().chat({
      model: SERVED,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [WEATHER_TOOL],
    });
    expect(answer.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^chatcmpl-tool-/),
        function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } },
      },
    ]);
    expect(upstreamBody('/v1/chat/completions').tools).toEqual([WEATHER_TOOL]);
  });

  it.each([
    ['the Ollama worker', 'llama3.2'],
    ['the embedded worker', DEMO],
    ['the openai worker', SERVED],
  ])('serves openai-node chat completions, streamed and not, on %s', async (_, model) => {
    const messages = [{ role: 'user' as const, content: 'Hello' }];
    // A fixed seed: the demo model sampled freely may draw its end token first and answer nothing.
    const whole = await openai.chat.completions.create({ model, messages, max_tokens: 4, seed: 7 });
    expect(whole.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(whole.usage?.completion_tokens).toBeGreaterThan(0);
    const stream = await openai.chat.completions.create({
      model,
      messages,
      max_tokens: 4,
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('serves openai-node completions and embeddings on the openai worker', async () => {
    const completion = await openai.completions.create({ model: SERVED, prompt: 'Once', max_tokens: 2 });
    expect(completion.choices[0]).toMatchObject({ text: upstream.expectedText(2), finish_reason: 'length' });
    const embedded = await openai.embeddings.create({ model: EMBEDDER, input: ['one', 'two'] });
    expect(embedded.data.map((entry) => entry.embedding.length)).toEqual([8, 8]);
    const legacy = await grid.client().embeddings({ model: EMBEDDER, prompt: 'one' });
    // openai-node asks for base64 (float32) vectors: equal up to float32 precision.
    legacy.embedding.forEach((value, index) =>
      expect(value).toBeCloseTo(embedded.data[0].embedding[index], 6),
    );
    expect(legacy.embedding).toHaveLength(8);
  });

  it('closes the upstream request when the client leaves mid-stream', async () => {
    upstream.setTokenDelay(200);
    const abortedBefore = upstream.aborted;
    const controller = new AbortController();
    const response = await postJson(
      `${grid.gatewayUrl}/api/chat`,
      { model: SERVED, messages: [{ role: 'user', content: 'long' }] },
      { signal: controller.signal },
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await waitFor(
      'upstream request aborted',
      () => upstream.aborted === abortedBefore + 1 && upstream.inFlight === 0,
    );
    upstream.setTokenDelay(5);
  });

  it('relays the server’s error (OpenAI shape) and names the worker’s engine for what it cannot do', async () => {
    const missing = await postJson(`${grid.gatewayUrl}/api/show`, { model: SERVED });
    expect(missing.status).toBe(501);
    expect((await jsonOf(missing)).error).toMatch(
      /worker openai-worker runs on an OpenAI-compatible server \(ENGINE=openai/,
    );
    const unload = await postJson(`${grid.gatewayUrl}/api/generate`, { model: SERVED, keep_alive: 0 });
    expect((await jsonOf(unload)).error).toMatch(/ENGINE=openai.*cannot unload models/);
    const load = await jsonOf(await postJson(`${grid.gatewayUrl}/api/generate`, { model: SERVED }));
    expect(load).toMatchObject({ done: true, done_reason: 'load' });
  });

  it('skips the openai worker in a fleet pull and refuses a pull aimed at it, naming its engine', async () => {
    const lines = await readNdjson(
      await postJson(`${grid.gatewayUrl}/api/pull`, { model: 'fresh-model:1b' }),
    );
    expect(JSON.parse(lines[lines.length - 1].line)).toEqual({ status: 'success' });
    expect(ollama.requests.some((r) => r.path === '/api/pull')).toBe(true);
    expect(upstream.requests.some((r) => !r.path.startsWith('/v1/'))).toBe(false);

    const targeted = await postJson(`${grid.gatewayUrl}/admin/models/pull`, {
      model: 'x',
      workers: ['openai-worker'],
      stream: false,
    });
    expect(targeted.status).toBe(502);
    expect((await jsonOf(targeted)).error).toMatch(/worker openai-worker.*ENGINE=openai.*cannot pull models/);
  });

  it('counts the server’s failures toward the circuit: three in a row take the worker out until a canary succeeds', async () => {
    const view = async () => {
      const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as Array<{
        id: string;
        status: string;
        circuit?: string;
        statusReason?: string;
      }>;
      return workers.find((worker) => worker.id === 'openai-worker');
    };
    upstream.setFailure(500, 'CUDA error: an illegal memory access was encountered');
    for (let attempt = 0; attempt < 3; attempt++) {
      const failed = await postJson(`${grid.gatewayUrl}/api/generate`, {
        model: SERVED,
        prompt: 'x',
        stream: false,
      });
      expect(failed.status).toBe(502);
      expect((await jsonOf(failed)).error).toBe(
        'openai engine (HTTP 500): CUDA error: an illegal memory access was encountered',
      );
    }
    const out = await waitFor('openai worker out of placement', async () => {
      const worker = await view();
      return worker?.status === 'not-ready' ? worker : null;
    });
    expect(out.circuit).not.toBe('closed');
    expect(out.statusReason).toMatch(/3 engine failures in a row|canary failed/);

    upstream.setFailure(null);
    await waitFor('openai worker back', async () => (await view())?.status === 'ready');
    const canary = upstream.requests.filter((r) => r.path === '/v1/completions').pop()?.body;
    expect(canary).toMatchObject({ model: SERVED, max_tokens: 1 });
    const answer = await grid.client().generate({ model: SERVED, prompt: 'back again' });
    expect(answer.response).toBe(upstream.expectedText());
  });
});
