import { EngineError } from '../inference-engine';
import { OpenAiStreamTranslator } from './openai-stream.translator';

const chat = (delta: Record<string, unknown>, finish: string | null = null) => ({
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe(OpenAiStreamTranslator.name, () => {
  describe('translate', () => {
    it('skips the role-only chunk and turns each content delta into one Ollama chat line', () => {
      const sut = new OpenAiStreamTranslator('chat', 'm');
      expect(sut.translate(chat({ role: 'assistant', content: '' }))).toEqual([]);
      const [line] = sut.translate(chat({ content: 'Hi' }));
      expect(Object.keys(line.chunk)).toEqual(['model', 'created_at', 'message', 'done']);
      expect(line.chunk).toMatchObject({
        model: 'm',
        message: { role: 'assistant', content: 'Hi' },
        done: false,
      });
      expect(JSON.parse(line.raw)).toEqual(line.chunk);
    });

    it('collects streamed tool call fragments into one Ollama tool_calls line at finish', () => {
      const sut = new OpenAiStreamTranslator('chat', 'm');
      sut.translate(
        chat({
          tool_calls: [{ index: 0, id: 'call-1', type: 'function', function: { name: 'f', arguments: '' } }],
        }),
      );
      sut.translate(chat({ tool_calls: [{ index: 0, function: { arguments: '{"a": ' } }] }));
      sut.translate(chat({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }));
      const [line] = sut.translate(chat({}, 'tool_calls'));
      expect(line.chunk.message).toEqual({
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call-1', function: { index: 0, name: 'f', arguments: { a: 1 } } }],
      });
      expect(sut.final().chunk.done_reason).toBe('stop');
    });

    it('maps reasoning_content to thinking', () => {
      const sut = new OpenAiStreamTranslator('chat', 'm');
      const [line] = sut.translate(chat({ reasoning_content: 'hmm' }));
      expect(line.chunk.message).toEqual({ role: 'assistant', content: '', thinking: 'hmm' });
    });

    it('throws an engine error for an error event in the stream', () => {
      const sut = new OpenAiStreamTranslator('generate', 'm');
      expect(() => sut.translate({ error: { message: 'CUDA out of memory', code: 500 } })).toThrow(
        new EngineError('openai engine: CUDA out of memory', 502),
      );
    });
  });

  describe('final', () => {
    it('takes the token counts from the usage chunk and measures the durations itself', () => {
      const sut = new OpenAiStreamTranslator('generate', 'm');
      sut.translate({ choices: [{ index: 0, text: 'a', finish_reason: null }] });
      sut.translate({ choices: [{ index: 0, text: '', finish_reason: 'length' }] });
      sut.translate({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
      const { chunk } = sut.final();
      expect(chunk).toMatchObject({
        response: '',
        done: true,
        done_reason: 'length',
        prompt_eval_count: 5,
        eval_count: 2,
      });
      expect(chunk.total_duration).toBeGreaterThan(0);
      expect(sut.finished).toBe(true);
    });

    it('counts the pieces itself when the server sent no usage', () => {
      const sut = new OpenAiStreamTranslator('generate', 'm');
      sut.translate({ choices: [{ index: 0, text: 'a', finish_reason: null }] });
      sut.translate({ choices: [{ index: 0, text: 'b', finish_reason: 'stop' }] });
      expect(sut.final().chunk).toMatchObject({ eval_count: 2, done_reason: 'stop' });
    });
  });
});
