import OpenAI from 'openai';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI chat and completions through the grid', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let client: OpenAI;

  const lastRequest = (path: string) =>
    fixture.requests.filter((r) => r.path === path).pop()?.body as Record<string, unknown>;

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

  describe('POST /v1/chat/completions', () => {
    const messages = [{ role: 'user' as const, content: 'Why is the sky blue?' }];
    const expected = () => fixture.expectedTokens('chat', { model: 'llama3.2', messages }).join('');

    it('answers a chat.completion through the official client', async () => {
      const completion = await client.chat.completions.create({ model: 'llama3.2', messages });

      expect(completion).toMatchObject({
        object: 'chat.completion',
        model: 'llama3.2',
        system_fingerprint: 'fp_ollama',
        choices: [{ index: 0, message: { role: 'assistant', content: expected() }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 8, total_tokens: 13 },
      });
      expect(completion.id).toMatch(/^chatcmpl-\d+$/);
      expect(lastRequest('/api/chat')).toEqual({
        model: 'llama3.2',
        messages,
        stream: true,
        options: { temperature: 1, top_p: 1 },
      });
    });

    it('streams deltas, role first only, then a finish chunk', async () => {
      const stream = await client.chat.completions.create({ model: 'llama3.2', messages, stream: true });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);

      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(expected());
      expect(chunks.filter((c) => c.choices[0]?.delta.role !== undefined)).toEqual([chunks[0]]);
      expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean)).toEqual(['stop']);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    });

    it('adds a usage chunk with no choices for stream_options.include_usage', async () => {
      const stream = await client.chat.completions.create({
        model: 'llama3.2',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);

      const last = chunks[chunks.length - 1];
      expect(last.choices).toEqual([]);
      expect(last.usage).toEqual({ prompt_tokens: 5, completion_tokens: 8, total_tokens: 13 });
      expect(chunks.slice(0, -1).every((c) => c.usage === undefined)).toBe(true);
    });

    it('maps the sampling fields to Ollama options and says length when max_tokens cut the answer', async () => {
      const completion = await client.chat.completions.create({
        model: 'llama3.2',
        messages,
        max_tokens: 3,
        temperature: 0.2,
        top_p: 0.5,
        seed: 7,
        stop: ['END'],
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        response_format: { type: 'json_object' },
      });

      expect(completion.choices[0].finish_reason).toBe('length');
      expect(completion.usage?.completion_tokens).toBe(3);
      expect(lastRequest('/api/chat')).toMatchObject({
        format: 'json',
        options: {
          frequency_penalty: 0.1,
          num_predict: 3,
          presence_penalty: 0.2,
          seed: 7,
          stop: ['END'],
          temperature: 0.2,
          top_p: 0.5,
        },
      });
    });

    it('returns tool calls with JSON-string arguments, an id and an index, and reasoning', async () => {
      const request = { model: 'qwen3', messages: [{ role: 'user' as const, content: 'Paris' }] };
      const completion = await client.chat.completions.create({ ...request, tools: [WEATHER_TOOL] });
      const [call] = fixture.expectedToolCalls({ ...request, tools: [WEATHER_TOOL] });

      const choice = completion.choices[0];
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.tool_calls).toEqual([
        {
          id: call.id,
          index: 0,
          type: 'function',
          function: { name: 'get_weather', arguments: JSON.stringify(call.function.arguments) },
        },
      ]);
      expect((choice.message as unknown as { reasoning: string }).reasoning).toBe(
        fixture.expectedThinking('chat', request).join(''),
      );
    });

    it('streams a tool call and finishes with tool_calls', async () => {
      const stream = await client.chat.completions.create({
        model: 'qwen3',
        messages: [{ role: 'user', content: 'Paris' }],
        tools: [WEATHER_TOOL],
        reasoning_effort: 'none' as never,
        stream: true,
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);

      const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(calls).toEqual([
        expect.objectContaining({ index: 0, type: 'function', id: expect.any(String) }),
      ]);
      expect(JSON.parse(calls[0].function?.arguments ?? '')).toEqual({ city: 'Paris' });
      expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
      expect(lastRequest('/api/chat').think).toBe(false);
    });

    it('sends tool results back to the engine as tool messages named after the call', async () => {
      await client.chat.completions.create({
        model: 'llama3.2',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18 degrees' },
        ],
      });
      expect(lastRequest('/api/chat').messages).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: '18 degrees', tool_name: 'get_weather', tool_call_id: 'call_1' },
      ]);
    });

    it('stops the generation on the engine when the client aborts the stream', async () => {
      fixture.resetCounters();
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        { model: 'llama3.2', messages: [{ role: 'user', content: 'a long story' }], stream: true },
        { signal: controller.signal },
      );
      const received: string[] = [];
      // The client ends the iteration quietly once its signal aborts.
      for await (const chunk of stream) {
        received.push(chunk.choices[0]?.delta.content ?? '');
        controller.abort();
      }
      expect(received).toHaveLength(1);
      await waitFor('engine abort', () => fixture.aborted === 1, 5000);
      expect(fixture.completed).toBe(0);
    });
  });

  describe('POST /v1/completions', () => {
    const prompt = 'Once upon a time';
    const expected = () => fixture.expectedTokens('generate', { model: 'llama3.2', prompt }).join('');

    it('answers a text_completion and passes the suffix on', async () => {
      const completion = await client.completions.create({ model: 'llama3.2', prompt, suffix: ' The end.' });

      expect(completion).toMatchObject({
        object: 'text_completion',
        model: 'llama3.2',
        choices: [{ text: expected(), index: 0, finish_reason: 'stop' }],
        usage: { prompt_tokens: 4, completion_tokens: 8, total_tokens: 12 },
      });
      expect(completion.id).toMatch(/^cmpl-\d+$/);
      expect(lastRequest('/api/generate')).toMatchObject({ prompt, suffix: ' The end.' });
    });

    it('streams text chunks with the usage at the end when asked', async () => {
      const stream = await client.completions.create({
        model: 'llama3.2',
        prompt,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Completions.Completion[] = [];
      for await (const chunk of stream) chunks.push(chunk);

      expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe(expected());
      expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
      expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: { completion_tokens: 8 } });
    });
  });
});
