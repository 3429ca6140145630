import { InvalidRequestError } from '@gridllm/contracts';

import { estimateInputTokens, toOllamaChatFromMessages } from './messages-request.translator';

const base = { model: 'llama3.2', max_tokens: 64, messages: [{ role: 'user', content: 'Hi there' }] };

describe('toOllamaChatFromMessages', () => {
  it('builds a chat request with num_predict from max_tokens and stream false by default', () => {
    expect(toOllamaChatFromMessages(base)).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Hi there' }],
      stream: false,
      options: { num_predict: 64 },
    });
  });

  it.each([
    [{ ...base, model: '' }, 'model is required'],
    [{ ...base, max_tokens: 0 }, 'max_tokens is required and must be positive'],
    [{ model: 'm', messages: base.messages }, 'max_tokens is required and must be positive'],
    [{ ...base, messages: [] }, 'messages is required'],
    [
      { ...base, max_tokens: '5' },
      'json: cannot unmarshal string into Go struct field MessagesRequest.max_tokens of type int',
    ],
  ])('rejects %j with "%s"', (body, message) => {
    expect(() => toOllamaChatFromMessages(body)).toThrow(new InvalidRequestError(message));
  });

  it('joins system text blocks into one system message first', () => {
    const out = toOllamaChatFromMessages({
      ...base,
      system: [
        { type: 'text', text: 'One. ' },
        { type: 'text', text: 'Two.' },
      ],
    });
    expect((out.messages as unknown[])[0]).toEqual({ role: 'system', content: 'One. Two.' });
  });

  it('puts a user message tool results before its text and keeps assistant thinking and tool calls', () => {
    const out = toOllamaChatFromMessages({
      ...base,
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'x' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'next' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '42' }] },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: 'assistant',
        content: '',
        thinking: 'hmm',
        tool_calls: [{ id: 'toolu_1', function: { name: 'f', arguments: { a: 1 } } }],
      },
      { role: 'tool', content: '42', tool_call_id: 'toolu_1' },
      { role: 'user', content: 'next' },
    ]);
  });

  it('refuses an image given by URL, as Ollama does', () => {
    const body = {
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
      ],
    };
    expect(() => toOllamaChatFromMessages(body)).toThrow(
      'invalid image source type: url. Only base64 images are supported.',
    );
  });

  it('refuses image data that is not base64', () => {
    const body = {
      ...base,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: '@@@' } }] }],
    };
    expect(() => toOllamaChatFromMessages(body)).toThrow('invalid base64 image data');
  });

  it('maps tools, drops them for tool_choice none, and maps thinking and effort to think', () => {
    const tools = [{ name: 'f', description: 'does f', input_schema: { type: 'object', properties: {} } }];
    expect(toOllamaChatFromMessages({ ...base, tools }).tools).toEqual([
      { type: 'function', function: { name: 'f', description: 'does f', parameters: tools[0].input_schema } },
    ]);
    expect(toOllamaChatFromMessages({ ...base, tools, tool_choice: { type: 'none' } }).tools).toBeUndefined();
    expect(toOllamaChatFromMessages({ ...base, thinking: { type: 'enabled' } }).think).toBe(true);
    expect(toOllamaChatFromMessages({ ...base, thinking: { type: 'disabled' } }).think).toBe(false);
    expect(toOllamaChatFromMessages({ ...base, output_config: { effort: 'xhigh' } }).think).toBe('high');
  });
});

describe('estimateInputTokens', () => {
  it('counts about one token per four characters of what the model reads, at least one', () => {
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'x'.repeat(36) }] })).toBe(10);
    expect(estimateInputTokens({ messages: [{ role: 'user', content: '' }] })).toBe(1);
  });
});
