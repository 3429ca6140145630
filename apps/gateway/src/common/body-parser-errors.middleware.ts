import type { NextFunction, Request, Response } from 'express';

import { describe, errorBody } from './error-body.filter';

/**
 * Express error middleware placed right after the JSON body parser: its errors (malformed JSON → 400,
 * body over BODY_LIMIT → 413) happen before Nest's filters can see the request.
 */
export function bodyParserErrors(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const { status, message } = describe(error);
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify(errorBody(req.path, status, message)));
}

/** The JSON parser turns "no body" into `{}`; Ollama answers that with "missing request body", so keep it absent. */
export function markMissingBody(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (length === undefined || length === '0')) req.body = undefined;
  next();
}
