import { EngineError } from '../inference-engine';
import { toChatCompletionBody, toCompletionBody } from './openai-request.mapper';

describe('OpenAI request mapping', () => {
  describe(toChatCompletionBody.name, () => {
    it('turns Ollama tool calls (object arguments) and images into OpenAI messages', () => {
      const sut = toChatCompletionBody(
        {
          messages: [
            { role: 'user', content: 'look', images: ['aGk='] },
            {
              role: 'assistant',
              content: '',
              tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }],
            },
            { role: 'tool', content: '42', tool_name: 'f' },
          ],
          format: 'json',
          options: { num_predict: -1, stop: 'x', repeat_last_n: 3 },
        },
        'served',
      );
      expect(sut).toEqual({
        model: 'served',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,aGk=' } },
            ],
          },
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
          { role: 'tool', content: '42', name: 'f' },
        ],
        stream: true,
        stream_options: { include_usage: true },
        stop: ['x'],
        response_format: { type: 'json_object' },
      });
    });
  });

  describe(toCompletionBody.name, () => {
    it('puts the system text before the prompt and passes the suffix on', () => {
      expect(toCompletionBody({ prompt: 'p', system: 's', suffix: 'end' }, 'm')).toMatchObject({
        prompt: 's\n\np',
        suffix: 'end',
      });
    });

    it('refuses images, which /v1/completions cannot take, with a clear 400', () => {
      expect(() => toCompletionBody({ prompt: 'p', images: ['aGk='] }, 'm')).toThrow(EngineError);
      expect(() => toCompletionBody({ prompt: 'p', images: ['aGk='] }, 'm')).toThrow(
        /send them with \/api\/chat/,
      );
    });
  });
});
