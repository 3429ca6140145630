import { OllamaChunk } from '@gridllm/contracts';

import { CompletionStreamTranslator, toCompletion, toOllamaGenerateRequest } from './completion.translator';

const AT = '2025-05-01T10:00:00Z';
const generate = (response: string, extra: Partial<OllamaChunk> = {}): OllamaChunk => ({
  model: 'llama3.2',
  created_at: AT,
  response,
  done: false,
  ...extra,
});
const done = (extra: Partial<OllamaChunk> = {}) =>
  generate('', { done: true, done_reason: 'stop', prompt_eval_count: 4, eval_count: 2, ...extra });

describe('toOllamaGenerateRequest', () => {
  const sut = toOllamaGenerateRequest;

  it('builds the /api/generate request, always sending both penalties', () => {
    expect(sut({ model: 'm', prompt: 'Once', suffix: 'end', max_tokens: 5, stream: true })).toEqual({
      model: 'm',
      prompt: 'Once',
      suffix: 'end',
      stream: true,
      options: { frequency_penalty: 0, num_predict: 5, presence_penalty: 0, temperature: 1, top_p: 1 },
    });
  });

  it('treats top_p 0 as absent, as Ollama’s plain float32 does', () => {
    expect((sut({ model: 'm', prompt: 'x', top_p: 0 }).options as Record<string, unknown>).top_p).toBe(1);
  });

  it('rejects a prompt that is not a string', () => {
    expect(() => sut({ model: 'm', prompt: ['a', 'b'] })).toThrow(
      'json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type string',
    );
  });

  it('rejects a non-string stop entry', () => {
    expect(() => sut({ model: 'm', prompt: 'x', stop: ['a', 1] })).toThrow(
      "invalid type for 'stop' field: float64",
    );
  });
});

describe('toCompletion', () => {
  it('shapes the merged answer as text_completion with usage', () => {
    expect(toCompletion('cmpl-3', done({ response: 'Hello' }))).toEqual({
      id: 'cmpl-3',
      object: 'text_completion',
      created: Date.parse(AT) / 1000,
      model: 'llama3.2',
      system_fingerprint: 'fp_ollama',
      choices: [{ text: 'Hello', index: 0, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    });
  });
});

describe(CompletionStreamTranslator.name, () => {
  it('sends one chunk per engine chunk, choices before model as Ollama does', () => {
    const sut = new CompletionStreamTranslator('cmpl-1', 1700000000, false);
    const [chunk] = sut.chunk(generate('Hel'));
    expect(chunk).toEqual({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1700000000,
      choices: [{ text: 'Hel', index: 0, finish_reason: null }],
      model: 'llama3.2',
      system_fingerprint: 'fp_ollama',
    });
    expect(Object.keys(chunk)).toEqual(['id', 'object', 'created', 'choices', 'model', 'system_fingerprint']);
  });

  it('ends with the finish chunk', () => {
    const sut = new CompletionStreamTranslator('cmpl-1', 1, false);
    expect(sut.final(done({ done_reason: 'length' }))).toEqual([
      expect.objectContaining({ choices: [{ text: '', index: 0, finish_reason: 'length' }] }),
    ]);
  });

  it('with include_usage, zero usage on every chunk and the real usage in a last chunk without choices', () => {
    const sut = new CompletionStreamTranslator('cmpl-1', 1, true);
    const zero = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    expect(sut.chunk(generate('a'))[0]).toMatchObject({ usage: zero });
    const [finish, usage] = sut.final(done());
    expect(finish).toMatchObject({ usage: zero });
    expect(usage).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    });
  });
});
