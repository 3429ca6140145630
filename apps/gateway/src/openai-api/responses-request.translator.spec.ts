import { InvalidRequestError } from '@gridllm/contracts';

import { toOllamaChatFromResponses } from './responses-request.translator';

describe('toOllamaChatFromResponses', () => {
  it('turns a string input into one user message, with temperature 1 by default', () => {
    expect(toOllamaChatFromResponses({ model: 'm', input: 'Hi' })).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: false,
      options: { temperature: 1 },
    });
  });

  it.each(['previous_response_id', 'conversation'])('refuses %s: the server keeps no state', (field) => {
    expect(() => toOllamaChatFromResponses({ model: 'm', input: 'Hi', [field]: 'x' })).toThrow(
      new InvalidRequestError(
        `${field} is not supported: this server keeps no responses (stateless); send the whole conversation in input`,
      ),
    );
  });

  it.each([
    [{ input: 'Hi' }, 'model is required'],
    [{ model: 'm', input: 3 }, 'input must be a string or array: got number'],
    [{ model: 'm', input: [{ content: 'x' }] }, "input[0]: input item missing required 'type' field"],
    [{ model: 'm', input: [{ type: 'bogus' }] }, 'input[0]: unknown input item type: "bogus"'],
    [
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_file' }] }] },
      'file inputs are not currently supported',
    ],
    [
      { model: 'm', input: 'x', tools: [{ type: 'web_search' }] },
      'tool type "web_search" is not supported: only "function" tools are',
    ],
    [{ model: 'm', input: 'x', reasoning: { effort: 'huge' } }, 'invalid reasoning value: "huge"'],
  ])('rejects %j', (body, message) => {
    expect(() => toOllamaChatFromResponses(body)).toThrow(message);
  });

  it('merges a reasoning item into the next assistant message and calls into one assistant turn', () => {
    const out = toOllamaChatFromResponses({
      model: 'm',
      input: [
        { role: 'user', content: 'q' },
        { type: 'reasoning', encrypted_content: 'thought' },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
        { type: 'function_call', call_id: 'c2', name: 'g', arguments: '' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'one' }] },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: '',
        thinking: 'thought',
        tool_calls: [
          { id: 'c1', function: { name: 'f', arguments: { a: 1 } } },
          { id: 'c2', function: { name: 'g', arguments: {} } },
        ],
      },
      { role: 'tool', content: 'one', tool_call_id: 'c1' },
    ]);
  });

  it('maps tools, max_output_tokens, effort and a json_schema text format', () => {
    const schema = { type: 'object', properties: {} };
    const out = toOllamaChatFromResponses({
      model: 'm',
      input: 'x',
      tools: [{ type: 'function', name: 'f', parameters: schema }],
      max_output_tokens: 9,
      reasoning: { effort: 'minimal' },
      text: { format: { type: 'json_schema', name: 's', schema } },
    });
    expect(out).toMatchObject({
      tools: [{ type: 'function', function: { name: 'f', parameters: schema } }],
      options: { num_predict: 9 },
      think: 'low',
      format: schema,
    });
  });
});
