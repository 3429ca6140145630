import type { Request } from 'express';

import { InvalidRequestError } from '@gridllm/contracts';

import { principalOf } from '../auth/principal';

/** Request header that opts a job into continuation on another worker when its worker dies mid-stream. */
export const CONTINUE_HEADER = 'x-gridllm-continue';

/**
 * Whether the request opted in: the header's `true` or `false`, else its key's `continueStreams` (else
 * false); any other header value is a 400, not a guess.
 */
export function continuationRequested(req: Request): boolean {
  const value = req.headers[CONTINUE_HEADER];
  if (value === undefined) return principalOf(req)?.continueStreams === true;
  const text = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new InvalidRequestError(`${CONTINUE_HEADER} must be true or false`);
}
