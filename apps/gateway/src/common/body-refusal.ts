import type { Request } from 'express';

import { GridError, InvalidRequestError, quote } from '@gridllm/contracts';

/** A body over BODY_LIMIT. */
export class PayloadTooLargeError extends GridError {
  readonly status = 413;
}

/** A Content-Encoding or charset the gateway cannot decode. */
export class UnsupportedMediaTypeError extends GridError {
  readonly status = 415;
}

/** What body-parser's errors carry (http-errors): its `type` names the failure, when it knows it. */
interface BodyParserError {
  type?: unknown;
  status?: unknown;
  message?: unknown;
}

/**
 * The domain error for a body the gateway could not read. Errors from decompression (a gzip, deflate or
 * br header on a body that is not so encoded) carry no `type`: they are the client's fault, so a 400.
 * Null for a failure of the gateway's own (a 5xx), which stays an internal error.
 */
export function bodyRefusal(error: unknown, req: Request): GridError | null {
  if (error instanceof GridError) return error;
  const { type, status, message } = (error ?? {}) as BodyParserError;
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  switch (type) {
    case 'entity.too.large':
      return new PayloadTooLargeError('request body too large');
    case 'entity.parse.failed':
      return new InvalidRequestError(`invalid JSON in request body: ${quote(String(message))}`);
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError(`unsupported content encoding "${quote(encoding)}"`);
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError(
        `unsupported charset in Content-Type "${quote(req.headers['content-type'])}"`,
      );
    case 'request.aborted':
      return new InvalidRequestError('request aborted while its body was read');
  }
  if (typeof status !== 'number' || status >= 500) return null;
  if (encoding !== 'identity') {
    return new InvalidRequestError(
      `request body is not valid ${quote(encoding)} data, as its Content-Encoding says`,
    );
  }
  return new InvalidRequestError('invalid request body');
}
