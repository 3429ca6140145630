import { StreamEventType } from '@gridllm/contracts';

import {
  decodeEntry,
  decodeEvent,
  encodeChunkRunFields,
  encodeEventFields,
  eventId,
  sequenceOf,
} from './token-stream.codec';
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

  it('gives each line of a multi-line chunk entry its own id, ending at the entry id', () => {
    const fields = encodeChunkRunFields(1, ['{"n":3}', '{"n":4}', '{"n":5}']);
    expect(decodeEntry('1-5', fields)).toEqual([
      { id: '1-3', type: StreamEventType.Chunk, attempt: 1, data: '{"n":3}' },
      { id: '1-4', type: StreamEventType.Chunk, attempt: 1, data: '{"n":4}' },
      { id: '1-5', type: StreamEventType.Chunk, attempt: 1, data: '{"n":5}' },
    ]);
    expect(sequenceOf('1-5')).toBe(5);
  });

  it('writes a single chunk line as a plain entry', () => {
    expect(encodeChunkRunFields(2, ['{"n":1}'])).toEqual(
      encodeEventFields(StreamEventType.Chunk, 2, '{"n":1}'),
    );
    expect(decodeEntry('2-1', encodeChunkRunFields(2, ['{"n":1}']))).toHaveLength(1);
    expect(decodeEntry('1-1', ['w', '1'])).toEqual([]);
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
