import { StreamEventType } from '@gridllm/contracts';

import {
  decodeEntry,
  decodeEvent,
  encodeAnswerFields,
  encodeChunkRunFields,
  encodeEventFields,
  encodeStartedFields,
  eventId,
  firstLineId,
  sequenceOf,
  splitLines,
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

  it("carries a held started event's wait, and only when it waited", () => {
    const held = encodeStartedFields(1, 'w1', 42);
    expect(decodeEvent('1-0', held)).toEqual({
      id: '1-0',
      type: StreamEventType.Started,
      attempt: 1,
      data: 'w1',
      heldMs: 42,
    });
    expect(encodeStartedFields(1, 'w1', 0)).toEqual(encodeEventFields(StreamEventType.Started, 1, 'w1'));
    expect(decodeEvent('1-0', encodeEventFields(StreamEventType.Started, 1, 'w1'))).not.toHaveProperty(
      'heldMs',
    );
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

  it('keeps a multi-line chunk entry one event when joined, and splits it back line by line', () => {
    const fields = encodeChunkRunFields(1, ['{"n":3}', '{"n":4}', '{"n":5}']);
    const [joined, ...rest] = decodeEntry('1-5', fields, true);
    expect(rest).toEqual([]);
    expect(joined).toEqual({
      id: '1-5',
      type: StreamEventType.Chunk,
      attempt: 1,
      data: '{"n":3}\n{"n":4}\n{"n":5}',
      lines: 3,
    });
    expect(firstLineId(joined)).toBe('1-3');
    expect(splitLines(joined)).toEqual(decodeEntry('1-5', fields));
    // One line, or another event type, is the same joined or not.
    const single = encodeChunkRunFields(2, ['{"n":1}']);
    expect(decodeEntry('2-1', single, true)).toEqual(decodeEntry('2-1', single));
    expect(firstLineId(decodeEntry('2-1', single, true)[0])).toBe('2-1');
    const final = encodeEventFields(StreamEventType.Final, 1, '{"done":true}');
    expect(decodeEntry('1-6', final, true)).toEqual(decodeEntry('1-6', final));
  });

  it('gives each event a final entry holds from before it its own id: started, the lines, the final line', () => {
    const fields = encodeAnswerFields(1, '{"done":true}', {
      started: { workerId: 'w1', heldMs: 7 },
      lines: ['{"n":1}', '{"n":2}'],
    });
    const started = { id: '1-0', type: StreamEventType.Started, attempt: 1, data: 'w1', heldMs: 7 };
    const final = { id: '1-3', type: StreamEventType.Final, attempt: 1, data: '{"done":true}' };
    expect(decodeEntry('1-3', fields)).toEqual([
      started,
      { id: '1-1', type: StreamEventType.Chunk, attempt: 1, data: '{"n":1}' },
      { id: '1-2', type: StreamEventType.Chunk, attempt: 1, data: '{"n":2}' },
      final,
    ]);
    // Joined, the lines stay one event; a reader of the last entry alone sees the final line.
    expect(decodeEntry('1-3', fields, true)).toEqual([
      started,
      { id: '1-2', type: StreamEventType.Chunk, attempt: 1, data: '{"n":1}\n{"n":2}', lines: 2 },
      final,
    ]);
    expect(decodeEvent('1-3', fields)).toEqual(final);
  });

  it('writes only what a final entry holds: no started, one line, or nothing but the final line', () => {
    const oneLine = encodeAnswerFields(2, '{"done":true}', { lines: ['{"n":4}'] });
    expect(decodeEntry('2-5', oneLine, true).map(({ id, type, lines }) => [id, type, lines])).toEqual([
      ['2-4', StreamEventType.Chunk, undefined],
      ['2-5', StreamEventType.Final, undefined],
    ]);
    const unheld = encodeAnswerFields(1, '{}', { started: { workerId: 'w1', heldMs: 0 }, lines: [] });
    expect(decodeEntry('1-1', unheld)[0]).not.toHaveProperty('heldMs');
    expect(decodeEntry('1-1', unheld).map(({ type }) => type)).toEqual(['started', 'final']);
    expect(encodeAnswerFields(1, '{}', { lines: [] })).toEqual(
      encodeEventFields(StreamEventType.Final, 1, '{}'),
    );
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
