import { StreamEvent, StreamEventType } from '@gridllm/contracts';

const EVENT_TYPES = new Set<string>(Object.values(StreamEventType));

/** Field/value list for XADD. Short field names: every chunk pays for them. */
export function encodeEventFields(type: StreamEventType, attempt: number, data: string): string[] {
  return ['t', type, 'a', String(attempt), 'd', data];
}

/**
 * Fields of a `started` event; `heldMs` when the worker held it that long before writing it (StreamEvent.heldMs).
 * An older reader ignores the extra field: its queue time then includes the hold.
 */
export function encodeStartedFields(attempt: number, workerId: string, heldMs: number): string[] {
  const fields = encodeEventFields(StreamEventType.Started, attempt, workerId);
  return heldMs > 0 ? [...fields, 'h', String(heldMs)] : fields;
}

/**
 * Fields of one entry holding several consecutive chunk lines (`datas`, in order). The entry's id is the
 * last line's; `n` says how many lines it holds, so each line keeps its own id (see decodeEntry).
 * Chunk lines are NDJSON lines: they never contain a newline, which therefore separates them.
 */
export function encodeChunkRunFields(attempt: number, datas: readonly string[]): string[] {
  const fields = encodeEventFields(StreamEventType.Chunk, attempt, datas.join('\n'));
  return datas.length > 1 ? [...fields, 'n', String(datas.length)] : fields;
}

/**
 * Every event of one XREAD/XRANGE entry, each with its own id: an entry of n chunk lines whose id is
 * `<attempt>-<s>` holds the lines `<attempt>-<s-n+1>` … `<attempt>-<s>`. Empty for entries that are not ours.
 * `joined` keeps such an entry one event (StreamEvent.lines), for a reader that writes the lines out as they
 * are: no split, no event per line.
 */
export function decodeEntry(id: string, fields: string[], joined = false): StreamEvent[] {
  const event = decodeEvent(id, fields);
  if (!event) return [];
  const count = Number(fieldOf(fields, 'n') ?? 1);
  if (event.type !== StreamEventType.Chunk || !(count > 1)) return [event];
  if (joined) {
    event.lines = count;
    return [event];
  }
  return splitLines(event);
}

/** The single-line events of a joined chunk event (StreamEvent.lines), each with its own id. */
export function splitLines(event: StreamEvent): StreamEvent[] {
  const lines = event.data.split('\n');
  const [attempt, last] = event.id.split('-').map(Number);
  return lines.map((data, index) => ({
    id: eventId(attempt, last - lines.length + 1 + index),
    type: event.type,
    attempt: event.attempt,
    data,
  }));
}

/** The id of the first line a (possibly joined) event holds. */
export function firstLineId(event: StreamEvent): string {
  if (!event.lines || event.lines < 2) return event.id;
  const [attempt, last] = event.id.split('-').map(Number);
  return eventId(attempt, last - event.lines + 1);
}

/** The sequence number of an entry id `<attempt>-<n>` (the n-th line of its attempt; `started` is 0). */
export function sequenceOf(id: string): number {
  return Number(id.split('-')[1] ?? 0);
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2)
    if (fields[index] === name) return fields[index + 1];
  return undefined;
}

/** Parses one single-event entry; returns null for entries that are not ours. Use decodeEntry for any entry. */
export function decodeEvent(id: string, fields: string[]): StreamEvent | null {
  const type = fieldOf(fields, 't');
  if (!type || !EVENT_TYPES.has(type)) return null;
  const event: StreamEvent = {
    id,
    type: type as StreamEventType,
    attempt: Number(fieldOf(fields, 'a') ?? 1),
    data: fieldOf(fields, 'd') ?? '',
  };
  if (event.type === StreamEventType.Started) {
    const held = Number(fieldOf(fields, 'h'));
    if (held > 0) event.heldMs = held;
  }
  return event;
}

/**
 * Entry ids are `<attempt>-<sequence>`: always increasing, a later attempt sorts after an earlier one, and
 * `?after=1-5` means "after the 5th line of the first attempt".
 */
export function eventId(attempt: number, sequence: number): string {
  return `${attempt}-${sequence}`;
}
