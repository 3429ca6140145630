import OpenAI from 'openai';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { jsonShape, readSse } from '../support/sse-events';
import { TestGrid, postJson } from '../support/test-grid';

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('OpenAI Responses API (stateless) through the grid', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let fragile: OllamaFixture;
  let client: OpenAI;

  const lastChat = () =>
    fixture.requests.filter((r) => r.path === '/api/chat').pop()?.body as Record<string, unknown>;
  const question = 'Why is the sky blue?';
  const expected = () =>
    fixture
      .expectedTokens('chat', { model: 'llama3.2', messages: [{ role: 'user', content: question }] })
      .join('');

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
    await grid.startGateway();
    await grid.startWorker('worker-a', fixture);
    await grid.startWorker('worker-fragile', fragile);
    client = new OpenAI({ baseURL: `${grid.gatewayUrl}/v1`, apiKey: 'any', maxRetries: 0 });
  });

  afterAll(() => grid.stop());

  describe('responses.create', () => {
    it('answers a response object with one message item and usage', async () => {
      const response = await client.responses.create({
        model: 'llama3.2',
        instructions: 'Be brief.',
        input: question,
        temperature: 0.3,
        top_p: 0.9,
        max_output_tokens: 100,
      });

      expect(response).toMatchObject({
        object: 'response',
        status: 'completed',
        model: 'llama3.2',
        instructions: 'Be brief.',
        output: [
          {
            type: 'message',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: expected(), annotations: [] }],
          },
        ],
        usage: { input_tokens: 7, output_tokens: 8, total_tokens: 15 },
      });
      expect(response.id).toMatch(/^resp_[0-9a-f]{24}$/);
      expect(response.output_text).toBe(expected());
      expect(lastChat()).toEqual({
        model: 'llama3.2',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: question },
        ],
        stream: true,
        options: { temperature: 0.3, top_p: 0.9, num_predict: 100 },
      });
    });

    it('says incomplete when max_output_tokens cut the answer', async () => {
      const response = await client.responses.create({
        model: 'llama3.2',
        input: question,
        max_output_tokens: 2,
      });
      expect(response).toMatchObject({
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
      });
    });

    it('answers a function_call item for a function tool, after the reasoning item', async () => {
      const input = [{ role: 'user' as const, content: 'Paris' }];
      const response = await client.responses.create({ model: 'qwen3', input, tools: [WEATHER_TOOL] });
      const [call] = fixture.expectedToolCalls({
        model: 'qwen3',
        messages: input,
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL.parameters } }],
      });

      expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
      expect(response.output[1]).toMatchObject({
        type: 'function_call',
        status: 'completed',
        call_id: call.id,
        name: 'get_weather',
        arguments: JSON.stringify(call.function.arguments),
      });
      expect(lastChat().tools).toEqual([
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather of a city',
            parameters: WEATHER_TOOL.parameters,
          },
        },
      ]);
    });

    it('sends function calls and their outputs on as an assistant tool call and a tool message', async () => {
      await client.responses.create({
        model: 'llama3.2',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] },
          { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        ],
      });

      expect(lastChat().messages).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: 'sunny', tool_call_id: 'call_1' },
      ]);
    });

    it('passes input_image parts on as images', async () => {
      const pixel = Buffer.from('a tiny png stand-in').toString('base64');
      await client.responses.create({
        model: 'llama3.2',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is this?' },
              { type: 'input_image', image_url: `data:image/png;base64,${pixel}`, detail: 'auto' },
            ],
          },
        ],
      });
      expect(lastChat().messages).toEqual([{ role: 'user', content: 'What is this?', images: [pixel] }]);
    });

    it('refuses previous_response_id and conversation with a 400 in OpenAI shape', async () => {
      for (const field of [{ previous_response_id: 'resp_1' }, { conversation: 'conv_1' }]) {
        const failure = await client.responses
          .create({ model: 'llama3.2', input: question, ...field })
          .catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
        expect((failure as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
          message: expect.stringMatching(
            /^(previous_response_id|conversation) is not supported: .*stateless/,
          ),
          type: 'invalid_request_error',
        });
      }
    });

    it('answers an unknown model with 404 not_found_error', async () => {
      const failure = await client.responses
        .create({ model: 'nope', input: question })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    });

    it('is served under /ollama/v1 too', async () => {
      const ollamaClient = new OpenAI({
        baseURL: `${grid.gatewayUrl}/ollama/v1`,
        apiKey: 'any',
        maxRetries: 0,
      });
      const response = await ollamaClient.responses.create({ model: 'llama3.2', input: question });
      expect(response.output_text).toBe(expected());
    });
  });

  describe('responses.create with stream: true', () => {
    it('streams output_text deltas and ends with response.completed holding the whole response', async () => {
      const stream = await client.responses.create({ model: 'llama3.2', input: question, stream: true });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);

      const deltas = events.filter((e) => e.type === 'response.output_text.delta');
      expect(deltas.map((e) => e.delta).join('')).toBe(expected());
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      const last = events[events.length - 1];
      expect(last.type).toBe('response.completed');
      expect((last as OpenAI.Responses.ResponseCompletedEvent).response).toMatchObject({
        status: 'completed',
        output: [{ type: 'message', content: [{ type: 'output_text', text: expected() }] }],
        usage: { input_tokens: 5, output_tokens: 8, total_tokens: 13 },
      });
    });

    it('sends the named event sequence OpenAI sends', async () => {
      const response = await postJson(`${grid.gatewayUrl}/v1/responses`, {
        model: 'llama3.2',
        input: question,
        stream: true,
        max_output_tokens: 200,
      });
      const events = await readSse(response);
      const names = events.map((e) => e.event);

      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(names).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...Array.from({ length: 8 }, () => 'response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(events.every((e) => (e.data as { type: string }).type === e.event)).toBe(true);
    });

    it('streams a function call as added, arguments delta and done, then output_item.done', async () => {
      const stream = await client.responses.create({
        model: 'qwen3',
        input: 'Paris',
        tools: [WEATHER_TOOL],
        stream: true,
      });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);

      expect(
        types.filter((type) => type.includes('function_call') || type.startsWith('response.output_item')),
      ).toEqual([
        'response.output_item.added',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
      ]);
      expect(types).toContain('response.reasoning_summary_text.delta');
      expect(types[types.length - 1]).toBe('response.completed');
    });
  });

  describe('a failure mid-stream', () => {
    it('ends the stream with response.failed naming the problem', async () => {
      const stream = await client.responses.create({ model: 'fragile', input: question, stream: true });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) {
        events.push(event);
        if (event.type === 'response.output_text.delta' && events.length < 6) await fragile.stop();
      }

      const last = events[events.length - 1];
      expect(last.type).toBe('response.failed');
      expect((last as OpenAI.Responses.ResponseFailedEvent).response).toMatchObject({
        status: 'failed',
        error: { code: 'server_error', message: expect.any(String) },
      });
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    });
  });

  describe('compared with Ollama serving /v1/responses itself (the fixture)', () => {
    const bodies = [
      { model: 'llama3.2', instructions: 'Be brief.', input: question },
      { model: 'qwen3', input: 'Paris', tools: [WEATHER_TOOL] },
    ];

    it.each(bodies)('answers the same response shape for %j', async (body) => {
      const ours = await postJson(`${grid.gatewayUrl}/v1/responses`, body);
      const ollama = await postJson(`${fixture.url}/v1/responses`, body);
      expect(jsonShape(await ours.json())).toEqual(jsonShape(await ollama.json()));
    });

    it.each(bodies)('streams the same named events in the same shapes for %j', async (body) => {
      const streamed = { ...body, stream: true };
      const ours = await readSse(await postJson(`${grid.gatewayUrl}/v1/responses`, streamed));
      const ollama = await readSse(await postJson(`${fixture.url}/v1/responses`, streamed));

      expect(ours.map((e) => e.event)).toEqual(ollama.map((e) => e.event));
      expect(ours.map((e) => jsonShape(e.data))).toEqual(ollama.map((e) => jsonShape(e.data)));
    });
  });
});
