import Anthropic from '@anthropic-ai/sdk';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { IssuedKey, issueKey } from '../support/api-keys';
import { jsonShape, readSse } from '../support/sse-events';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const ADMIN_API_KEY = 'admin-key-for-anthropic-tests-0123456789';
const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};
const PIXEL = Buffer.from('a tiny png stand-in').toString('base64');

describe('Anthropic Messages API through the grid (auth on, keys via x-api-key)', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let fragile: OllamaFixture;
  let key: IssuedKey;
  let client: Anthropic;

  const lastChat = () =>
    fixture.requests.filter((r) => r.path === '/api/chat').pop()?.body as Record<string, unknown>;
  const clientWith = (apiKey: string, path = '') =>
    new Anthropic({ apiKey, baseURL: `${grid.gatewayUrl}${path}`, maxRetries: 0 });

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({
      tokenDelayMs: 20,
      models: [{ name: 'llama3.2:latest' }, { name: 'qwen3:latest', thinking: true, toolCalls: true }],
    });
    fragile = await grid.startFixture({
      tokenDelayMs: 300,
      tokensPerAnswer: 30,
      models: [{ name: 'fragile:latest' }],
    });
    await grid.startGateway({ ADMIN_API_KEY });
    await grid.startWorker('worker-a', fixture);
    await grid.startWorker('worker-fragile', fragile);
    key = await issueKey(grid, { name: 'claude-code', scopes: ['inference'] });
    client = clientWith(key.key);
  });

  afterAll(() => grid.stop());

  const messages = [{ role: 'user' as const, content: 'Why is the sky blue?' }];
  const expected = () => fixture.expectedTokens('chat', { model: 'llama3.2', messages }).join('');

  describe('messages.create', () => {
    it('answers a message object with text, end_turn and usage', async () => {
      const message = await client.messages.create({ model: 'llama3.2', max_tokens: 100, messages });

      expect(message).toMatchObject({
        type: 'message',
        role: 'assistant',
        model: 'llama3.2',
        content: [{ type: 'text', text: expected() }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 5, output_tokens: 8 },
      });
      expect(message.id).toMatch(/^msg_[0-9a-f]{24}$/);
      expect(lastChat()).toEqual({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Why is the sky blue?' }],
        stream: true,
        options: { num_predict: 100 },
      });
    });

    it('passes system, sampling fields and stop sequences, and says max_tokens when the cap cut the answer', async () => {
      // Sampling fields the Messages API still accepts, though this SDK version no longer types them.
      const sampling = { temperature: 0.2, top_p: 0.5, top_k: 40 };
      const params: Anthropic.MessageCreateParamsNonStreaming = {
        model: 'llama3.2',
        max_tokens: 3,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages,
        stop_sequences: ['END'],
        ...sampling,
      };
      const message = await client.messages.create(params);

      expect(message.stop_reason).toBe('max_tokens');
      expect(message.usage.output_tokens).toBe(3);
      expect(lastChat()).toMatchObject({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Why is the sky blue?' },
        ],
        options: { num_predict: 3, temperature: 0.2, top_p: 0.5, top_k: 40, stop: ['END'] },
      });
    });

    it('answers a tool_use block with its input object and stop_reason tool_use', async () => {
      const request = { model: 'qwen3', messages: [{ role: 'user' as const, content: 'Paris' }] };
      const message = await client.messages.create({ ...request, max_tokens: 50, tools: [WEATHER_TOOL] });
      const [call] = fixture.expectedToolCalls({
        ...request,
        tools: [
          { type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL.input_schema } },
        ],
      });

      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toEqual([
        { type: 'thinking', thinking: fixture.expectedThinking('chat', request).join('') },
        { type: 'tool_use', id: call.id, name: 'get_weather', input: call.function.arguments },
      ]);
      expect(lastChat().tools).toEqual([
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather of a city',
            parameters: WEATHER_TOOL.input_schema,
          },
        },
      ]);
    });

    it('sends tool results, tool calls and images on as Ollama messages', async () => {
      await client.messages.create({
        model: 'llama3.2',
        max_tokens: 20,
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
              { type: 'text', text: 'And this picture?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } },
            ],
          },
        ],
      });

      expect(lastChat().messages).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'toolu_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: 'sunny', tool_call_id: 'toolu_1' },
        { role: 'user', content: 'And this picture?', images: [PIXEL] },
      ]);
    });

    it('answers thinking first when thinking is enabled, and think:false when disabled', async () => {
      const enabled = await client.messages.create({
        model: 'qwen3',
        max_tokens: 50,
        messages,
        thinking: { type: 'enabled', budget_tokens: 1024 },
      });
      expect(lastChat().think).toBe(true);
      expect(enabled.content.map((block) => block.type)).toEqual(['thinking', 'text']);

      const disabled = await client.messages.create({
        model: 'qwen3',
        max_tokens: 50,
        messages,
        thinking: { type: 'disabled' },
      });
      expect(lastChat().think).toBe(false);
      expect(disabled.content.map((block) => block.type)).toEqual(['text']);
    });

    it('is served under /ollama too', async () => {
      const message = await clientWith(key.key, '/ollama').messages.create({
        model: 'llama3.2',
        max_tokens: 100,
        messages,
      });
      expect(message.content).toEqual([{ type: 'text', text: expected() }]);
    });
  });

  describe('messages.stream', () => {
    it('streams text deltas into the final message', async () => {
      const stream = client.messages.stream({ model: 'llama3.2', max_tokens: 100, messages });
      const deltas: string[] = [];
      stream.on('text', (text) => deltas.push(text));
      const message = await stream.finalMessage();

      expect(deltas.join('')).toBe(expected());
      expect(deltas.length).toBe(8);
      expect(message).toMatchObject({
        content: [{ type: 'text', text: expected() }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 5, output_tokens: 8 },
      });
    });

    it('streams thinking, then a tool_use block whose input arrives as input_json_delta', async () => {
      const stream = client.messages.stream({
        model: 'qwen3',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'Paris' }],
        tools: [WEATHER_TOOL],
      });
      const deltaTypes = new Set<string>();
      for await (const event of stream)
        if (event.type === 'content_block_delta') deltaTypes.add(event.delta.type);
      const message = await stream.finalMessage();

      expect([...deltaTypes]).toEqual(['thinking_delta', 'input_json_delta']);
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content[1]).toMatchObject({
        type: 'tool_use',
        name: 'get_weather',
        input: { city: 'Paris' },
      });
    });

    it('sends the event sequence Anthropic sends, ping included', async () => {
      const response = await postJson(
        `${grid.gatewayUrl}/v1/messages`,
        { model: 'llama3.2', max_tokens: 2, messages, stream: true },
        { headers: { 'x-api-key': key.key, 'Content-Type': 'application/json' } },
      );
      const events = await readSse(response);

      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(events.map((e) => e.event)).toEqual([
        'message_start',
        'ping',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      expect(events.every((e) => (e.data as { type: string }).type === e.event)).toBe(true);
      expect(events[6].data).toEqual({
        type: 'message_delta',
        delta: { stop_reason: 'max_tokens' },
        usage: { input_tokens: 5, output_tokens: 2 },
      });
    });

    it('cancels the job on the engine when the client leaves mid-stream', async () => {
      const stream = client.messages.stream({ model: 'fragile', max_tokens: 100, messages });
      const settled = stream.done().catch(() => undefined);
      await new Promise<void>((resolve) => stream.once('text', () => resolve()));
      const aborted = fragile.aborted;
      stream.abort();
      await settled;

      await waitFor('the engine to stop generating', () => fragile.aborted === aborted + 1, 5000);
      expect(fragile.completed).toBe(0);
    });

    it('ends with an error event when the engine fails mid-stream', async () => {
      const stream = client.messages.stream({ model: 'fragile', max_tokens: 100, messages });
      const firstText = new Promise<void>((resolve) => stream.once('text', () => resolve()));
      const ended = stream.finalMessage().then(
        () => undefined,
        (error: unknown) => error,
      );
      await firstText;
      await fragile.stop();

      const error = await ended;
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'api_error', message: expect.any(String) },
      });
    });
  });

  describe('accounting', () => {
    it("counts a Messages and a Responses request in the key's usage and the gateway's metrics", async () => {
      const counted = await issueKey(grid, { name: 'counted', scopes: ['inference'] });
      await clientWith(counted.key).messages.create({ model: 'llama3.2', max_tokens: 100, messages });
      await postJson(
        `${grid.gatewayUrl}/v1/responses`,
        { model: 'llama3.2', input: 'Why is the sky blue?' },
        { headers: { Authorization: `Bearer ${counted.key}`, 'Content-Type': 'application/json' } },
      );

      const usage = await waitFor('usage of both jobs', async () => {
        const response = await fetch(`${grid.gatewayUrl}/admin/keys/${counted.id}/usage`, {
          headers: grid.adminHeaders(),
        });
        const body = (await response.json()) as { total: { requests: number } };
        return body.total.requests >= 2 ? body : null;
      });
      expect(usage.total).toMatchObject({ requests: 2, prompt_tokens: 10, completion_tokens: 16 });
      const metrics = await (await fetch(`${grid.gatewayUrl}/metrics`)).text();
      expect(metrics).toMatch(/gridllm_jobs_total\{[^}]*model="llama3\.2:latest"[^}]*\} \d+/);
      expect(metrics).toMatch(/route="\/v1\/messages"/);
    });
  });

  describe('compared with Ollama serving /v1/messages itself (the fixture)', () => {
    const headers = () => ({ 'x-api-key': key.key, 'Content-Type': 'application/json' });
    const bodies = [
      { model: 'llama3.2', max_tokens: 100, messages },
      { model: 'qwen3', max_tokens: 100, messages, tools: [WEATHER_TOOL] },
    ];

    it.each(bodies)('answers the same message shape for %j', async (body) => {
      const ours = await postJson(`${grid.gatewayUrl}/v1/messages`, body, { headers: headers() });
      const ollama = await postJson(`${fixture.url}/v1/messages`, body);
      expect(jsonShape(await ours.json())).toEqual(jsonShape(await ollama.json()));
    });

    it.each(bodies)('streams the same events, in the same shapes, plus ping, for %j', async (body) => {
      const streamed = { ...body, stream: true };
      const ours = await readSse(
        await postJson(`${grid.gatewayUrl}/v1/messages`, streamed, { headers: headers() }),
      );
      const ollama = await readSse(await postJson(`${fixture.url}/v1/messages`, streamed));

      expect(ours[1].event).toBe('ping');
      const withoutPing = ours.filter((e) => e.event !== 'ping');
      expect(withoutPing.map((e) => e.event)).toEqual(ollama.map((e) => e.event));
      // message_start's input_tokens is an estimate on both sides; the shapes must agree.
      expect(withoutPing.map((e) => jsonShape(e.data))).toEqual(ollama.map((e) => jsonShape(e.data)));
    });
  });

  describe('errors in Anthropic shape', () => {
    it('answers an unknown model with 404 not_found_error', async () => {
      const failure = await client.messages
        .create({ model: 'nope', max_tokens: 10, messages })
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(Anthropic.NotFoundError);
      expect((failure as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
        type: 'error',
        error: { type: 'not_found_error', message: 'model "nope" not found, try pulling it first' },
      });
    });

    it('answers a missing max_tokens with 400 invalid_request_error', async () => {
      const response = await postJson(
        `${grid.gatewayUrl}/v1/messages`,
        { model: 'llama3.2', messages },
        { headers: { 'x-api-key': key.key, 'Content-Type': 'application/json' } },
      );

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens is required and must be positive' },
      });
    });

    it('answers a wrong key with 401 authentication_error', async () => {
      const failure = await clientWith('not-a-key')
        .messages.create({ model: 'llama3.2', max_tokens: 10, messages })
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' },
      });
    });

    it('answers a model outside the key allowlist with 403 permission_error', async () => {
      const narrow = await issueKey(grid, { name: 'narrow', scopes: ['inference'], models: ['llama3.2'] });
      const failure = await clientWith(narrow.key)
        .messages.create({ model: 'qwen3', max_tokens: 10, messages })
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(Anthropic.PermissionDeniedError);
      expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        error: { type: 'permission_error' },
      });
    });

    it('answers a key over its rate limit with 429 rate_limit_error', async () => {
      const limited = await issueKey(grid, {
        name: 'limited',
        scopes: ['inference'],
        rateLimit: { requests: 1, windowSeconds: 60 },
      });
      const limitedClient = clientWith(limited.key);
      await limitedClient.messages.create({ model: 'llama3.2', max_tokens: 1, messages });
      const failure = await limitedClient.messages
        .create({ model: 'llama3.2', max_tokens: 1, messages })
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
      expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        error: { type: 'rate_limit_error' },
      });
    });
  });
});
