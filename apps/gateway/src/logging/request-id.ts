import { randomUUID } from 'node:crypto';

/** Header a client may send to correlate its request; the gateway always answers with it. */
export const REQUEST_ID_HEADER = 'x-request-id';

// Ids are copied into every log line: accept only short, plain tokens, never arbitrary client text.
const ACCEPTED = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The client's `x-request-id` when it is a plain token, else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTED.test(value) ? value : randomUUID();
}
