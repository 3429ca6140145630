import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

import { GridError } from '@gridllm/contracts';

import { isPublicPath } from '../auth/access-rules';
import { bodyRefusal } from './body-refusal';
import { errorBody } from './error-body.filter';

/** Where a refused body waits for the AccessGuard (see `refuseBadBodies`). */
interface BodyRefusalLocals {
  bodyRefusal?: GridError;
}

const logger = new Logger('RequestBody');

/**
 * Express error middleware right after the body parser and the depth check: a body that cannot be read
 * (malformed JSON, over BODY_LIMIT, a Content-Encoding it does not have, nested too deep) becomes a 4xx
 * in the family's shape. With auth on, a route that needs credentials gets its verdict from the
 * AccessGuard first: the refusal is kept and raised after the other guards by `BodyRefusalGuard`, so a
 * wrong key gets 401 whatever its body.
 */
export function refuseBadBodies(authEnabled: boolean): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const refusal = bodyRefusal(error, req);
    if (!refusal) {
      logger.error(`reading the body of ${req.method} ${req.path} failed: ${(error as Error)?.stack}`);
      return send(res, req.path, 500, 'internal error');
    }
    // The reason only: never the body, which may hold a prompt.
    logger.warn(`refused the body of ${req.method} ${req.path}: ${refusal.message}`);
    if (authEnabled && !isPublicPath(req.path)) {
      (res.locals as BodyRefusalLocals).bodyRefusal = refusal;
      req.body = undefined;
      return next();
    }
    send(res, req.path, refusal.status, refusal.message);
  };
}

function send(res: Response, path: string, status: number, message: string): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify(errorBody(path, status, message)));
}

/**
 * Raises a body refusal kept by `refuseBadBodies`. The last global guard, so credentials and limits come
 * first. A guard, not an interceptor: Nest wraps every request of an app with any interceptor in an RxJS
 * pipeline and an AsyncResource.bind per step, a cost on every route for a check that rarely fires.
 */
@Injectable()
export class BodyRefusalGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const refusal = (context.switchToHttp().getResponse<Response>()?.locals as BodyRefusalLocals | undefined)
      ?.bodyRefusal;
    if (refusal) throw refusal;
    return true;
  }
}

/** The JSON parser turns "no body" into `{}`; Ollama answers that with "missing request body", so keep it absent. */
export function markMissingBody(req: Request, res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  const refused = (res.locals as BodyRefusalLocals).bodyRefusal !== undefined;
  if (refused || (!chunked && (length === undefined || length === '0'))) req.body = undefined;
  next();
}
