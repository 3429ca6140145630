import { OllamaChunk } from '@gridllm/contracts';

import {
  ChatStreamTranslator,
  finishReason,
  toChatCompletion,
  toOpenAiToolCalls,
  unixSeconds,
} from './chat-response.translator';

const AT = '2025-05-01T10:00:00.123456789Z';
const CREATED = Date.parse('2025-05-01T10:00:00Z') / 1000;
const chat = (message: Partial<NonNullable<OllamaChunk['message']>>, extra: Partial<OllamaChunk> = {}) =>
  ({
    model: 'llama3.2',
    created_at: AT,
    message: { role: 'assistant', content: '', ...message },
    done: false,
    ...extra,
  }) as OllamaChunk;
const done = (extra: Partial<OllamaChunk> = {}) =>
  chat({}, { done: true, done_reason: 'stop', prompt_eval_count: 5, eval_count: 3, ...extra });
const WEATHER = { id: 'call_1', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } };

describe('toChatCompletion', () => {
  it('shapes the merged answer as chat.completion with usage', () => {
    const sut = toChatCompletion('chatcmpl-7', done({ message: { role: 'assistant', content: 'Hello' } }));
    expect(sut).toEqual({
      id: 'chatcmpl-7',
      object: 'chat.completion',
      created: CREATED,
      model: 'llama3.2',
      system_fingerprint: 'fp_ollama',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
    expect(Object.keys(sut)).toEqual([
      'id',
      'object',
      'created',
      'model',
      'system_fingerprint',
      'choices',
      'usage',
    ]);
  });

  it('returns reasoning, tool calls with string arguments and finish_reason tool_calls', () => {
    const result = done({
      message: { role: 'assistant', content: '', thinking: 'hmm', tool_calls: [WEATHER] },
    });
    const [choice] = toChatCompletion('id', result).choices;
    expect(choice.message).toEqual({
      role: 'assistant',
      content: '',
      reasoning: 'hmm',
      tool_calls: [
        {
          id: 'call_1',
          index: 0,
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ],
    });
    expect(choice.finish_reason).toBe('tool_calls');
  });

  it('says length when the engine hit num_predict', () => {
    expect(toChatCompletion('id', done({ done_reason: 'length' })).choices[0].finish_reason).toBe('length');
  });

  it('returns logprobs under choices[].logprobs.content', () => {
    const logprobs = [{ token: 'Hi', logprob: -0.1 }];
    expect(toChatCompletion('id', done({ logprobs })).choices[0].logprobs).toEqual({ content: logprobs });
  });
});

describe(ChatStreamTranslator.name, () => {
  const translator = (includeUsage = false) =>
    new ChatStreamTranslator('chatcmpl-1', 1700000000, includeUsage);
  const deltas = (chunks: Array<{ choices: Array<{ delta: object }> }>) =>
    chunks.map((c) => c.choices[0]?.delta);

  it('puts the role in the first delta only and keeps created for the whole stream', () => {
    const sut = translator();
    const first = sut.chunk(chat({ content: 'Hel' }));
    const second = sut.chunk(chat({ content: 'lo' }));
    expect(deltas(first)).toEqual([{ role: 'assistant', content: 'Hel' }]);
    expect(deltas(second)).toEqual([{ content: 'lo' }]);
    expect(second[0]).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'llama3.2',
      system_fingerprint: 'fp_ollama',
      choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }],
    });
  });

  it('ends with a finish chunk carrying the done_reason', () => {
    const sut = translator();
    sut.chunk(chat({ content: 'Hi' }));
    const events = sut.final(done({ done_reason: 'length' }));
    expect(events).toHaveLength(1);
    expect(events[0].choices[0]).toEqual({ index: 0, delta: { content: '' }, finish_reason: 'length' });
  });

  it('adds a usage chunk with no choices when include_usage is on', () => {
    const sut = translator(true);
    sut.chunk(chat({ content: 'Hi' }));
    const [finish, usage] = sut.final(done());
    expect(finish.choices[0].finish_reason).toBe('stop');
    expect(usage).toEqual({
      ...finish,
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
  });

  it('splits a chunk with both reasoning and content into two chunks, reasoning first', () => {
    const sut = translator();
    expect(deltas(sut.chunk(chat({ thinking: 'hmm', content: 'Hi' })))).toEqual([
      { role: 'assistant', content: '', reasoning: 'hmm' },
      { content: 'Hi' },
    ]);
  });

  it('sends tool calls as a delta and finishes with tool_calls once any was sent', () => {
    const sut = translator();
    const [call] = sut.chunk(chat({ tool_calls: [WEATHER] }));
    expect(call.choices[0].delta.tool_calls).toEqual(toOpenAiToolCalls([WEATHER]));
    expect(call.choices[0].finish_reason).toBeNull();
    expect(sut.final(done())[0].choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('finishReason', () => {
  it('is null until the engine gives a done_reason', () => {
    expect(finishReason(undefined, true)).toBeNull();
    expect(finishReason('stop', false)).toBe('stop');
    expect(finishReason('stop', true)).toBe('tool_calls');
  });
});

describe('unixSeconds', () => {
  it('reads Ollama timestamps with nanoseconds and offsets', () => {
    expect(unixSeconds('2023-08-04T08:52:19.385406455-07:00')).toBe(
      Date.parse('2023-08-04T15:52:19Z') / 1000,
    );
  });

  it('falls back to now for a missing timestamp', () => {
    expect(unixSeconds(undefined, 5_000)).toBe(5);
  });
});
