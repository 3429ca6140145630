import { StreamEvent, StreamEventType } from '@gridllm/contracts';

const EVENT_TYPES = new Set<string>(Object.values(StreamEventType));

/** Field/value list for XADD. Short field names: every chunk pays for them. */
export function encodeEventFields(type: StreamEventType, attempt: number, data: string): string[] {
  return ['t', type, 'a', String(attempt), 'd', data];
}

/** Parses one XREAD/XRANGE entry; returns null for entries that are not ours. */
export function decodeEvent(id: string, fields: string[]): StreamEvent | null {
  const values = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) values.set(fields[index], fields[index + 1]);
  const type = values.get('t');
  if (!type || !EVENT_TYPES.has(type)) return null;
  return {
    id,
    type: type as StreamEventType,
    attempt: Number(values.get('a') ?? 1),
    data: values.get('d') ?? '',
  };
}

/**
 * Entry ids are `<attempt>-<sequence>`: always increasing, a later attempt sorts after an earlier one, and
 * `?after=1-5` means "after the 5th line of the first attempt".
 */
export function eventId(attempt: number, sequence: number): string {
  return `${attempt}-${sequence}`;
}
