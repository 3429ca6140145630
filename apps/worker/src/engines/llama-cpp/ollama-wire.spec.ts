import { normalizeVector } from './llama-embedding';
import { chatFinal, generateChunk, generateFinal, lifecycleAnswer } from './ollama-wire';

const metrics = { totalNs: 10, loadNs: 0, promptEvalCount: 3, promptEvalNs: 4, evalCount: 5, evalNs: 6 };

describe('Ollama wire objects of the embedded engine', () => {
  it('orders a generate chunk as Ollama does', () => {
    expect(Object.keys(generateChunk('m', 'x'))).toEqual(['model', 'created_at', 'response', 'done']);
  });

  it('ends a generate stream with done_reason, context and the non-zero metrics in Go field order', () => {
    const final = generateFinal('m', 'length', [1, 2], metrics);
    expect(Object.keys(final)).toEqual([
      'model',
      'created_at',
      'response',
      'done',
      'done_reason',
      'context',
      'total_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ]);
    expect(final).toMatchObject({ response: '', done: true, done_reason: 'length', eval_count: 5 });
  });

  it('ends a chat stream with an empty assistant message', () => {
    expect(chatFinal('m', 'stop', metrics)).toMatchObject({
      message: { role: 'assistant', content: '' },
      done: true,
    });
  });

  it('answers load and unload requests like Ollama', () => {
    expect(lifecycleAnswer('generate', 'm', 'load')).toMatchObject({
      response: '',
      done: true,
      done_reason: 'load',
    });
    expect(Object.keys(lifecycleAnswer('chat', 'm', 'unload'))).toEqual([
      'model',
      'created_at',
      'message',
      'done',
      'done_reason',
    ]);
  });
});

describe('normalizeVector', () => {
  it('returns a unit vector, cut to `dimensions` first', () => {
    expect(normalizeVector([3, 4])).toEqual([0.6, 0.8]);
    expect(normalizeVector([3, 0, 4], 1)).toEqual([1]);
  });
});
