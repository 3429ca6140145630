import { RequestEcho } from './responses-object';
import { ResponsesStreamTranslator, toResponse } from './responses-response.translator';

const ids = { responseId: 'resp_1', itemId: 'msg_1' };
const echo = new RequestEcho({ model: 'qwen3', instructions: 'Be brief.', input: 'x' });
const chunk = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  model: 'qwen3',
  message: { role: 'assistant', content: '', ...message },
  done: false,
  ...extra,
});
const DONE = { done: true, done_reason: 'stop', prompt_eval_count: 3, eval_count: 2 };

describe('toResponse', () => {
  it('answers a reasoning item and a message item, echoing the request', () => {
    const out = toResponse(ids, echo, chunk({ thinking: 't', content: 'Hi' }, DONE));
    expect(out).toMatchObject({
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      instructions: 'Be brief.',
      output: [
        { id: 'rs_resp_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 't' }] },
        { id: 'msg_1', type: 'message', content: [{ type: 'output_text', text: 'Hi' }] },
      ],
      usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
      store: false,
    });
  });

  it('answers function calls instead of a message when the model called tools', () => {
    const call = { id: 'call_1', function: { name: 'f', arguments: { a: 1 } } };
    const out = toResponse(ids, echo, chunk({ tool_calls: [call] }, DONE));
    expect(out.output).toEqual([
      {
        id: 'fc_resp_1_0',
        type: 'function_call',
        status: 'completed',
        call_id: 'call_1',
        name: 'f',
        arguments: '{"a":1}',
      },
    ]);
  });
});

describe(ResponsesStreamTranslator.name, () => {
  it('numbers every event and closes reasoning before the message', () => {
    const sut = new ResponsesStreamTranslator(ids, echo);
    const events = [
      ...sut.chunk(chunk({ thinking: 't' })),
      ...sut.chunk(chunk({ content: 'Hi' })),
      ...sut.final(chunk({}, DONE)),
    ] as Array<{ type: string; sequence_number: number }>;
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[12]).toMatchObject({ response: { output: [{ type: 'reasoning' }, { type: 'message' }] } });
  });

  it('ends a failed stream with response.failed carrying the error', () => {
    const sut = new ResponsesStreamTranslator(ids, echo);
    sut.chunk(chunk({ content: 'Hi' }));
    expect(sut.failed(502, 'worker w1 failed mid-stream')).toEqual([
      expect.objectContaining({
        type: 'response.failed',
        response: expect.objectContaining({
          status: 'failed',
          error: { code: 'server_error', message: 'worker w1 failed mid-stream' },
        }),
      }),
    ]);
  });
});
