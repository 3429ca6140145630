import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { WINSTON_MODULE_PROVIDER } from 'nest-winston';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'winston';

import { LogScope } from '@gridllm/logging';

import { principalOf } from '../auth/principal';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

/** What `begin` leaves on `res.locals`: the request's log scope. */
interface RequestLogLocals {
  logScope?: LogScope;
}

/**
 * The log scope of the request (its id; the job, worker, queue time and tokens the relay adds for the
 * access line), or undefined for a request `begin` did not see.
 */
export function logScopeOf(req: Request): LogScope | undefined {
  return (req.res?.locals as RequestLogLocals | undefined)?.logScope;
}

/** Request ids and the access log. `begin` runs first, before body parsing, so rejected bodies are logged too. */
@Injectable()
export class RequestLogging {
  constructor(@Inject(WINSTON_MODULE_PROVIDER) private readonly logger: Logger) {}

  readonly begin = (req: Request, res: Response, next: NextFunction): void => {
    const scope: LogScope = { requestId: requestIdFrom(req.headers[REQUEST_ID_HEADER]) };
    res.setHeader(REQUEST_ID_HEADER, scope.requestId as string);
    (res.locals as RequestLogLocals).logScope = scope;
    // Above LOG_LEVEL info the line would be dropped after being built and formatted: do neither.
    if (this.logger.isInfoEnabled()) {
      const startedAt = performance.now();
      res.once('close', () => this.accessLine(req, res, scope, performance.now() - startedAt));
    }
    next();
  };

  /** One line per request: never headers, bodies or query strings (they may hold prompts or keys). */
  private accessLine(req: Request, res: Response, scope: LogScope, elapsedMs: number): void {
    const route = routeOf(req);
    const durationMs = Math.round(elapsedMs * 10) / 10;
    const status = res.statusCode;
    this.logger.info(`${req.method} ${route} ${status} ${durationMs}ms`, {
      context: 'AccessLog',
      method: req.method,
      route,
      status,
      durationMs,
      queueMs: scope.queueMs,
      tokens: scope.tokens,
      // Who called: a key id, `admin`, or `jwt:<sub>` (never a secret); absent with auth off.
      caller: principalOf(req)?.id,
      completed: res.writableFinished,
      requestId: scope.requestId,
      jobId: scope.jobId,
      workerId: scope.workerId,
    });
  }
}

/** The matched route pattern (`/inference/:id/status`), else the path without its query. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  return req.originalUrl.split('?')[0];
}
