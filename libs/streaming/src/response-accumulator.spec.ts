import { JobKind, OllamaChunk } from '@gridllm/contracts';

import { ResponseAccumulator } from './response-accumulator';

function accumulate(kind: JobKind, chunks: OllamaChunk[]): OllamaChunk {
  const sut = new ResponseAccumulator(kind);
  chunks.forEach((chunk) => sut.add(chunk));
  return sut.result();
}

describe(ResponseAccumulator.name, () => {
  describe('generate', () => {
    it('concatenates the text and keeps context and metrics of the final chunk, in Ollama field order', () => {
      const result = accumulate(JobKind.Generate, [
        { model: 'm', created_at: 't1', response: 'Hel', done: false },
        { model: 'm', created_at: 't2', response: 'lo', done: false },
        {
          model: 'm',
          created_at: 't3',
          response: '',
          done: true,
          done_reason: 'stop',
          context: [1, 2],
          total_duration: 10,
          eval_count: 2,
        },
      ]);
      expect(result).toEqual({
        model: 'm',
        created_at: 't3',
        response: 'Hello',
        done: true,
        done_reason: 'stop',
        context: [1, 2],
        total_duration: 10,
        eval_count: 2,
      });
      expect(Object.keys(result)).toEqual([
        'model',
        'created_at',
        'response',
        'done',
        'done_reason',
        'context',
        'total_duration',
        'eval_count',
      ]);
    });

    it('places merged thinking right after the response, as Go marshals it', () => {
      const result = accumulate(JobKind.Generate, [
        { model: 'm', created_at: 't', response: '', thinking: 'hmm ', done: false },
        { model: 'm', created_at: 't', response: 'yes', done: false },
        { model: 'm', created_at: 't', response: '', done: true, done_reason: 'stop' },
      ]);
      expect(Object.keys(result)).toEqual([
        'model',
        'created_at',
        'response',
        'thinking',
        'done',
        'done_reason',
      ]);
      expect(result.thinking).toBe('hmm ');
    });

    it('collects logprobs of every chunk', () => {
      const result = accumulate(JobKind.Generate, [
        { response: 'a', logprobs: [{ token: 'a', logprob: -1 }], done: false },
        { response: 'b', logprobs: [{ token: 'b', logprob: -2 }], done: false },
        { response: '', done: true },
      ]);
      expect(result.logprobs).toEqual([
        { token: 'a', logprob: -1 },
        { token: 'b', logprob: -2 },
      ]);
    });
  });

  describe('chat', () => {
    it('merges content, thinking and tool calls into one message', () => {
      const call = { function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } };
      const result = accumulate(JobKind.Chat, [
        {
          model: 'm',
          created_at: 't',
          message: { role: 'assistant', content: '', thinking: 'Let me check' },
          done: false,
        },
        {
          model: 'm',
          created_at: 't',
          message: { role: 'assistant', content: '', tool_calls: [call] },
          done: false,
        },
        { model: 'm', created_at: 't', message: { role: 'assistant', content: 'Sunny' }, done: false },
        {
          model: 'm',
          created_at: 't9',
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'stop',
          eval_count: 3,
        },
      ]);
      expect(result).toEqual({
        model: 'm',
        created_at: 't9',
        message: { role: 'assistant', content: 'Sunny', thinking: 'Let me check', tool_calls: [call] },
        done: true,
        done_reason: 'stop',
        eval_count: 3,
      });
      expect(Object.keys(result.message ?? {})).toEqual(['role', 'content', 'thinking', 'tool_calls']);
    });

    it('keeps fields it does not know instead of dropping them', () => {
      const result = accumulate(JobKind.Chat, [
        { model: 'm', message: { role: 'assistant', content: 'x' }, done: true, future_field: 42 },
      ]);
      expect(result.future_field).toBe(42);
    });
  });
});
