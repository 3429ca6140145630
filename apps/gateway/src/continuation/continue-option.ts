import type { Request } from 'express';

import { InvalidRequestError } from '@gridllm/contracts';

/** Request header that opts a job into continuation on another worker when its worker dies mid-stream. */
export const CONTINUE_HEADER = 'x-gridllm-continue';

/** Whether the request opted in: `true` or `false` (absent: false); anything else is a 400, not a guess. */
export function continuationRequested(req: Request): boolean {
  const value = req.headers[CONTINUE_HEADER];
  if (value === undefined) return false;
  const text = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new InvalidRequestError(`${CONTINUE_HEADER} must be true or false`);
}
