import OpenAI, { APIError } from 'openai';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';

/** Reads an SSE response: each event's raw text and when it arrived. */
async function readSse(response: Response): Promise<Array<{ event: string; at: number }>> {
  const events: Array<{ event: string; at: number }> = [];
  const decoder = new TextDecoder();
  let pending = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(bytes, { stream: true });
    let end = pending.indexOf('\n\n');
    while (end >= 0) {
      events.push({ event: pending.slice(0, end + 2), at: Date.now() });
      pending = pending.slice(end + 2);
      end = pending.indexOf('\n\n');
    }
  }
  expect(pending).toBe('');
  return events;
}

describe('OpenAI embeddings, models, SSE framing and errors through the grid', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let client: OpenAI;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({
      tokenDelayMs: 40,
      models: [
        { name: 'llama3.2:latest' },
        { name: 'qwen3:latest', thinking: true, toolCalls: true },
        { name: 'me/tiny:1' },
        { name: 'all-minilm:latest', embeddingLength: 16 },
      ],
    });
    await grid.startGateway();
    await grid.startWorker('worker-a', fixture, { MAX_CONCURRENT_TASKS: '4' });
    client = new OpenAI({ baseURL: `${grid.gatewayUrl}/v1`, apiKey: 'any', maxRetries: 0 });
  });

  afterAll(() => grid.stop());

  describe('POST /v1/embeddings', () => {
    const input = ['Why is the sky blue?', 'Why is the grass green?'];

    it('answers the vectors Ollama computes, as floats and as base64 (the client default)', async () => {
      const direct = (await (
        await postJson(`${fixture.url}/api/embed`, { model: 'all-minilm', input })
      ).json()) as {
        embeddings: number[][];
        prompt_eval_count: number;
      };
      const floats = await client.embeddings.create({ model: 'all-minilm', input, encoding_format: 'float' });
      const decoded = await client.embeddings.create({ model: 'all-minilm', input });

      expect(floats).toEqual({
        object: 'list',
        data: direct.embeddings.map((embedding, index) => ({ object: 'embedding', embedding, index })),
        model: 'all-minilm',
        usage: { prompt_tokens: direct.prompt_eval_count, total_tokens: direct.prompt_eval_count },
      });
      decoded.data.forEach(({ embedding }, i) =>
        embedding.forEach((value, j) => expect(value).toBeCloseTo(direct.embeddings[i][j], 6)),
      );
    });

    it('rejects an unknown encoding_format with 400 in OpenAI’s shape', async () => {
      const response = await postJson(`${grid.gatewayUrl}/v1/embeddings`, {
        model: 'all-minilm',
        input: 'x',
        encoding_format: 'int8',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: {
          message: "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    });
  });

  describe('GET /v1/models', () => {
    it('lists every fleet model', async () => {
      const ids = [];
      for await (const model of client.models.list()) {
        expect(model).toEqual({
          id: model.id,
          object: 'model',
          created: expect.any(Number),
          owned_by: model.owned_by,
        });
        ids.push(model.id);
      }
      expect(ids.sort()).toEqual(['all-minilm:latest', 'llama3.2:latest', 'me/tiny:1', 'qwen3:latest']);
    });

    it('retrieves one model, ids with a namespace and a tag included', async () => {
      expect(await client.models.retrieve('me/tiny:1')).toMatchObject({ id: 'me/tiny:1', owned_by: 'me' });
      const raw = await fetch(`${grid.gatewayUrl}/v1/models/library/llama3.2:latest`);
      expect(await raw.json()).toMatchObject({
        id: 'library/llama3.2:latest',
        object: 'model',
        owned_by: 'library',
      });
    });

    it('answers an unknown model with 404 in OpenAI’s shape', async () => {
      const error = await client.models.retrieve('nope:1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIError);
      expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
      const chat = await client.chat.completions
        .create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(chat).toMatchObject({ status: 404, type: 'not_found_error' });
    });
  });

  describe('raw HTTP', () => {
    it('frames the stream as SSE data events, flushed one by one, ending in [DONE]', async () => {
      const response = await postJson(`${grid.gatewayUrl}/ollama/v1/chat/completions`, {
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Why is the sky blue?' }],
        stream: true,
      });
      const events = await readSse(response);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(response.headers.get('x-gridllm-worker')).toBe('worker-a');
      expect(events.every(({ event }) => /^data: .+\n\n$/s.test(event))).toBe(true);
      expect(events[events.length - 1].event).toBe('data: [DONE]\n\n');
      expect(events.filter(({ event }) => event.includes('[DONE]'))).toHaveLength(1);
      // 8 tokens 40 ms apart: the first event arrives long before the last.
      expect(events[events.length - 1].at - events[0].at).toBeGreaterThan(200);
    });

    it('answers errors before streaming in OpenAI’s shape with the status', async () => {
      const missing = await postJson(`${grid.gatewayUrl}/v1/chat/completions`, {
        model: 'nope',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/json');
      expect(await missing.json()).toEqual({
        error: {
          message: 'model "nope" not found, try pulling it first',
          type: 'not_found_error',
          param: null,
          code: null,
        },
      });

      const malformed = await postJson(`${grid.gatewayUrl}/v1/chat/completions`, '{"model":');
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

      const empty = await postJson(`${grid.gatewayUrl}/v1/chat/completions`, {
        model: 'llama3.2',
        messages: [],
      });
      expect(await empty.json()).toMatchObject({ error: { message: "[] is too short - 'messages'" } });
    });

    it('ends a stream whose worker died after the first event with one error event and no [DONE]', async () => {
      for (const id of ['fo-1', 'fo-2']) {
        const slow = await grid.startFixture({ tokenDelayMs: 300, models: [{ name: 'fo:latest' }] });
        await grid.startWorker(id, slow);
      }
      const response = await postJson(`${grid.gatewayUrl}/v1/chat/completions`, {
        model: 'fo',
        messages: [{ role: 'user', content: 'doomed' }],
        stream: true,
      });
      const events = readSse(response);
      await grid.workers.get(response.headers.get('x-gridllm-worker') ?? '')?.stop('SIGKILL');

      const received = (await events).map(({ event }) => event);
      const last = JSON.parse(received[received.length - 1].slice('data: '.length)) as object;
      expect(received.length).toBeGreaterThan(1);
      expect(last).toEqual({
        error: {
          message: `worker ${response.headers.get('x-gridllm-worker')} failed mid-stream`,
          type: 'api_error',
          param: null,
          code: null,
        },
      });
      expect(received.join('')).not.toContain('[DONE]');
    });

    it('keeps Ollama’s error shape on the Ollama routes', async () => {
      const response = await postJson(`${grid.gatewayUrl}/api/chat`, { model: 'nope', messages: [] });
      expect(await response.json()).toEqual({ error: 'model "nope" not found, try pulling it first' });
    });
  });
});
