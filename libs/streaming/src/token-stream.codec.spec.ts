import { StreamEventType } from '@gridllm/contracts';

import { decodeEvent, encodeEventFields, eventId } from './token-stream.codec';
import { compareIds } from './token-stream.reader';

describe('token stream codec', () => {
  it('round-trips an event through its XADD fields', () => {
    const fields = encodeEventFields(StreamEventType.Chunk, 2, '{"response":"x"}');
    expect(decodeEvent('2-5', fields)).toEqual({
      id: '2-5',
      type: StreamEventType.Chunk,
      attempt: 2,
      data: '{"response":"x"}',
    });
  });

  it('ignores entries that are not job events', () => {
    expect(decodeEvent('1-1', ['w', '1'])).toBeNull();
  });

  it('orders ids so a later attempt sorts after every event of an earlier one', () => {
    expect(compareIds(eventId(2, 0), eventId(1, 999))).toBeGreaterThan(0);
    expect(compareIds(eventId(1, 10), eventId(1, 9))).toBeGreaterThan(0);
    expect(compareIds('0', eventId(1, 0))).toBeLessThan(0);
  });
});
