import { InvalidRequestError } from '@gridllm/contracts';

import { imageData, toOllamaChatRequest } from './chat-request.translator';

const user = (content: unknown) => ({ role: 'user', content });
const PNG = 'iVBORw0KGgo=';

describe('toOllamaChatRequest', () => {
  const sut = toOllamaChatRequest;

  it('builds the /api/chat request with OpenAI defaults for temperature and top_p', () => {
    expect(sut({ model: 'llama3.2', messages: [user('Hi')] })).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: false,
      options: { temperature: 1, top_p: 1 },
    });
  });

  it('maps the sampling fields to options, sorted like a Go map', () => {
    const request = sut({
      model: 'm',
      messages: [user('Hi')],
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      stop: ['\n', 7, 'END'],
      seed: 42,
      frequency_penalty: 0.5,
      presence_penalty: 0.25,
    });
    expect(request.stream).toBe(true);
    expect(Object.entries(request.options as object)).toEqual([
      ['frequency_penalty', 0.5],
      ['num_predict', 64],
      ['presence_penalty', 0.25],
      ['seed', 42],
      ['stop', ['\n', 'END']],
      ['temperature', 0.2],
      ['top_p', 0.9],
    ]);
  });

  it('turns a single stop string into a list and reads max_completion_tokens when max_tokens is absent', () => {
    const options = sut({ model: 'm', messages: [user('x')], stop: 'END', max_completion_tokens: 9 })
      .options as Record<string, unknown>;
    expect(options.stop).toEqual(['END']);
    expect(options.num_predict).toBe(9);
  });

  it('rejects messages that are missing or empty like Ollama', () => {
    expect(() => sut({ model: 'm', messages: [] })).toThrow(
      new InvalidRequestError("[] is too short - 'messages'"),
    );
    expect(() => sut({ model: 'm' })).toThrow("[] is too short - 'messages'");
  });

  it('reports a field of the wrong type with Go decoder wording', () => {
    expect(() => sut({ model: 'm', messages: [user('x')], temperature: 'hot' })).toThrow(
      'json: cannot unmarshal string into Go struct field ChatCompletionRequest.temperature of type float64',
    );
    expect(() => sut({ model: 'm', messages: [user('x')], max_tokens: 1.5 })).toThrow(
      'json: cannot unmarshal number 1.5 into Go struct field ChatCompletionRequest.max_tokens of type int',
    );
  });

  describe('response_format', () => {
    it('maps json_object to format "json"', () => {
      expect(
        sut({ model: 'm', messages: [user('x')], response_format: { type: 'json_object' } }).format,
      ).toBe('json');
    });

    it('maps json_schema to the schema itself', () => {
      const schema = { type: 'object', properties: { a: { type: 'string' } } };
      const request = sut({
        model: 'm',
        messages: [user('x')],
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
      });
      expect(request.format).toEqual(schema);
    });

    it('leaves format out for text', () => {
      expect(
        sut({ model: 'm', messages: [user('x')], response_format: { type: 'text' } }),
      ).not.toHaveProperty('format');
    });
  });

  describe('reasoning', () => {
    it('maps reasoning_effort to think, and "none" to think:false', () => {
      expect(sut({ model: 'm', messages: [user('x')], reasoning_effort: 'low' }).think).toBe('low');
      expect(sut({ model: 'm', messages: [user('x')], reasoning_effort: 'none' }).think).toBe(false);
    });

    it('prefers reasoning.effort over reasoning_effort', () => {
      const request = sut({
        model: 'm',
        messages: [user('x')],
        reasoning: { effort: 'high' },
        reasoning_effort: 'low',
      });
      expect(request.think).toBe('high');
    });

    it('rejects an unknown effort', () => {
      expect(() => sut({ model: 'm', messages: [user('x')], reasoning_effort: 'extreme' })).toThrow(
        `invalid reasoning value: 'extreme' (must be "high", "medium", "low", "max", or "none")`,
      );
    });
  });

  describe('messages', () => {
    it('splits content parts into one message each, images as bare base64', () => {
      const request = sut({
        model: 'm',
        messages: [
          user([
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          ]),
        ],
      });
      expect(request.messages).toEqual([
        { role: 'user', content: 'What is this?' },
        { role: 'user', content: '', images: [PNG] },
      ]);
    });

    it('turns assistant tool calls into Ollama tool calls with object arguments', () => {
      const request = sut({
        model: 'm',
        messages: [
          user('Weather in Paris?'),
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
          { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        ],
      });
      expect(request.messages).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: '18°C', tool_name: 'get_weather', tool_call_id: 'call_1' },
      ]);
    });

    it('passes the assistant reasoning on as thinking', () => {
      const request = sut({ model: 'm', messages: [{ role: 'assistant', content: 'ok', reasoning: 'hmm' }] });
      expect(request.messages).toEqual([{ role: 'assistant', content: 'ok', thinking: 'hmm' }]);
    });

    it('rejects tool call arguments that are not a JSON object', () => {
      const bad = { role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: 'not json' } }] };
      expect(() => sut({ model: 'm', messages: [bad] })).toThrow('invalid tool call arguments');
    });

    it('rejects content that is neither a string nor parts, unless the message calls tools', () => {
      expect(() => sut({ model: 'm', messages: [user(42)] })).toThrow(
        'invalid message content type: float64',
      );
      expect(() => sut({ model: 'm', messages: [{ role: 'user' }] })).toThrow(
        'invalid message content type: <nil>',
      );
    });

    it('rejects unknown content part types', () => {
      expect(() => sut({ model: 'm', messages: [user([{ type: 'audio', audio: {} }])] })).toThrow(
        'invalid message format',
      );
    });

    it('passes the tools through', () => {
      const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
      expect(sut({ model: 'm', messages: [user('x')], tools }).tools).toEqual(tools);
    });
  });
});

describe('imageData', () => {
  it('accepts jpeg, png, webp and blank-mime data URLs', () => {
    for (const mime of ['image/jpeg', 'image/jpg', 'image/png', 'image/webp', '']) {
      expect(imageData(`data:${mime};base64,${PNG}`)).toBe(PNG);
    }
  });

  it('refuses remote URLs with Ollama’s message', () => {
    expect(() => imageData('https://example.com/cat.png')).toThrow(
      'image URLs are not currently supported, please use base64 encoded data instead',
    );
  });

  it('refuses other types and broken base64', () => {
    expect(() => imageData(`data:image/gif;base64,${PNG}`)).toThrow('invalid image input');
    expect(() => imageData('data:image/png;base64,***')).toThrow('invalid image input');
  });
});
