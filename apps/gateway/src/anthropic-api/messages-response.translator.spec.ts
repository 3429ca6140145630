import { MessagesStreamTranslator, stopReason, toMessagesResponse } from './messages-response.translator';

const chunk = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  model: 'qwen3',
  message: { role: 'assistant', content: '', ...message },
  done: false,
  ...extra,
});
const DONE = { done: true, done_reason: 'stop', prompt_eval_count: 7, eval_count: 4 };

describe('stopReason', () => {
  it.each([
    ['stop', false, 'end_turn'],
    ['length', false, 'max_tokens'],
    ['unload', false, 'stop_sequence'],
    ['stop', true, 'tool_use'],
    ['', false, undefined],
  ])('maps done_reason %s (tools: %s) to %s', (reason, tools, expected) => {
    expect(stopReason(reason, tools)).toBe(expected);
  });
});

describe('toMessagesResponse', () => {
  it('orders thinking, text and tool_use blocks, with stop_reason before usage', () => {
    const result = chunk(
      {
        thinking: 'hmm',
        content: 'Hi',
        tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: { a: 1 } } }],
      },
      DONE,
    );
    const out = toMessagesResponse('msg_1', result);
    expect(JSON.stringify(out)).toBe(
      JSON.stringify({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'qwen3',
        content: [
          { type: 'thinking', thinking: 'hmm' },
          { type: 'text', text: 'Hi' },
          { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 7, output_tokens: 4 },
      }),
    );
  });
});

describe(MessagesStreamTranslator.name, () => {
  const types = (events: object[]) =>
    events.map((e) => {
      const event = e as { type: string; index?: number; delta?: { type?: string } };
      return [event.type, event.index, event.delta?.type].filter((x) => x !== undefined).join(':');
    });

  it('opens a thinking block, then a text block, and closes the last at the end', () => {
    const sut = new MessagesStreamTranslator('msg_1', 'qwen3', 3);
    const events = [
      ...sut.chunk(chunk({ thinking: 'a' })),
      ...sut.chunk(chunk({ thinking: 'b' })),
      ...sut.chunk(chunk({ content: 'Hi' })),
      ...sut.final(chunk({}, DONE)),
    ];
    expect(types(events)).toEqual([
      'message_start',
      'ping',
      'content_block_start:0',
      'content_block_delta:0:thinking_delta',
      'content_block_delta:0:thinking_delta',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1:text_delta',
      'content_block_stop:1',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]).toMatchObject({ message: { usage: { input_tokens: 3, output_tokens: 0 } } });
    expect(events[events.length - 2]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 7, output_tokens: 4 },
    });
  });

  it('sends each tool call as a whole block after closing the text, and says tool_use', () => {
    const sut = new MessagesStreamTranslator('msg_1', 'qwen3', 0);
    const call = { id: 'call_1', function: { name: 'f', arguments: { a: 1 } } };
    const events = [
      ...sut.chunk(chunk({ content: 'Let me check.' })),
      ...sut.chunk(chunk({ tool_calls: [call] })),
      ...sut.final(chunk({}, DONE)),
    ];
    expect(types(events)).toEqual([
      'message_start',
      'ping',
      'content_block_start:0',
      'content_block_delta:0:text_delta',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1:input_json_delta',
      'content_block_stop:1',
      'message_delta',
      'message_stop',
    ]);
    expect(events[5]).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} },
    });
    expect(events[6]).toMatchObject({ delta: { partial_json: '{"a":1}' } });
    expect(events[8]).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });
});
