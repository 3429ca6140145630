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

/** What a final entry may hold of the events before it in its batch (see encodeAnswerFields). */
export interface EarlierInEntry {
  /** The attempt's `started` event: its worker, and how long it was held (ms). */
  started?: { workerId: string; heldMs: number };
  /** The chunk lines right before the final one, in order. */
  lines: readonly string[];
}

/**
 * Fields of a final entry that also holds the events before it in its batch, for a reader that said it reads
 * them (MERGED_ANSWER_FIELD): a quick merged answer is then one XADD and one stream entry, not three (issue 15).
 * `s` is the `started` event's worker and `h` its hold; `c` holds the chunk lines joined by newlines (they
 * never contain one) and `n` their number. Each event keeps its own id: `started` is `<attempt>-0`, the lines
 * end right before the final one. The entry is still a terminal entry (`t` is `final`) for every check of
 * whether a stream ended.
 */
export function encodeAnswerFields(attempt: number, finalData: string, earlier: EarlierInEntry): string[] {
  const fields = encodeEventFields(StreamEventType.Final, attempt, finalData);
  if (earlier.started) {
    fields.push('s', earlier.started.workerId);
    if (earlier.started.heldMs > 0) fields.push('h', String(earlier.started.heldMs));
  }
  if (earlier.lines.length > 0) fields.push('c', earlier.lines.join('\n'), 'n', String(earlier.lines.length));
  return fields;
}

/**
 * Every event of one XREAD/XRANGE entry, each with its own id: an entry of n chunk lines whose id is
 * `<attempt>-<s>` holds the lines `<attempt>-<s-n+1>` … `<attempt>-<s>`; a final entry may hold the events
 * before it (encodeAnswerFields). Empty for entries that are not ours.
 * `joined` keeps n chunk lines one event (StreamEvent.lines), for a reader that writes the lines out as they
 * are: no split, no event per line.
 */
export function decodeEntry(id: string, fields: string[], joined = false): StreamEvent[] {
  const event = decodeEvent(id, fields);
  if (!event) return [];
  if (event.type === StreamEventType.Final) return answerEvents(event, fields, joined);
  if (event.type !== StreamEventType.Chunk) return [event];
  return chunkRun(event, Number(fieldOf(fields, 'n') ?? 1), joined);
}

/** A chunk event holding `count` lines: one event when joined (or a single line), else one per line. */
function chunkRun(event: StreamEvent, count: number, joined: boolean): StreamEvent[] {
  if (!(count > 1)) return [event];
  if (!joined) return splitLines(event);
  event.lines = count;
  return [event];
}

/** A final entry's events: those it holds from before it (encodeAnswerFields), then the final line. */
function answerEvents(final: StreamEvent, fields: string[], joined: boolean): StreamEvent[] {
  const workerId = fieldOf(fields, 's');
  const lines = fieldOf(fields, 'c');
  if (workerId === undefined && lines === undefined) return [final];
  const { attempt } = final;
  const events: StreamEvent[] = [];
  if (workerId !== undefined) {
    const started: StreamEvent = {
      id: eventId(attempt, 0),
      type: StreamEventType.Started,
      attempt,
      data: workerId,
    };
    const held = Number(fieldOf(fields, 'h'));
    if (held > 0) started.heldMs = held;
    events.push(started);
  }
  if (lines !== undefined) {
    const chunk: StreamEvent = {
      id: eventId(attempt, sequenceOf(final.id) - 1),
      type: StreamEventType.Chunk,
      attempt,
      data: lines,
    };
    events.push(...chunkRun(chunk, Number(fieldOf(fields, 'n') ?? 1), joined));
  }
  events.push(final);
  return events;
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

/** A field's value in a flat name/value list (a stream entry's fields, or a hash as HGETALL lists it). */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
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
