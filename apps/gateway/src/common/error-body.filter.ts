import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { Request, Response } from 'express';

import {
  CapacityExceededError,
  GridError,
  LimitExceededError,
  ModelUnavailableError,
  UnauthorizedError,
} from '@gridllm/contracts';
import { logIdsOf, withLogIds } from '@gridllm/logging';
import { isRedisUnavailable } from '@gridllm/redis';

import { pendingRateCount } from '../limits/deferred-rate-check';
import { logScopeOf } from '../logging/request-logging';
import { allowedMethods } from './allowed-methods';
import { familyErrorBody, streamErrorFrame } from './error-family';

/**
 * The one place where errors become HTTP: Ollama's `{"error":"..."}` body with the right status and
 * `Content-Type: application/json` (so ollama-js shows the message). After streaming has started the
 * relay ends the stream with an error line itself; here we only make sure the socket is closed.
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorBodyFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const path = req?.path;
    // A request that failed before its job could count it (a 400 for its body) still counts.
    const charge = req && pendingRateCount(req);
    if (charge) charge.count().catch(() => undefined);
    // A known path asked with a method it does not serve (Express says 404): Ollama answers 405.
    const served = exception instanceof NotFoundException && req ? allowedMethods(req) : [];
    const allowed = served.includes(req?.method ?? '') ? [] : served;
    const { status, message } =
      allowed.length > 0
        ? { status: HttpStatus.METHOD_NOT_ALLOWED, message: 'method not allowed' }
        : describe(exception);
    if (allowed.length > 0) res.setHeader('Allow', allowed.join(', '));
    if (status >= 500 && !(exception instanceof GridError) && !isRedisUnavailable(exception)) {
      const ids = logIdsOf(req && logScopeOf(req));
      this.logger.error(
        withLogIds(`unhandled error: ${(exception as Error)?.stack ?? String(exception)}`, ids),
      );
    }
    if (res.headersSent) {
      if (!res.writableEnded) res.end(streamErrorFrame(path, status, bounded(message)));
      return;
    }
    if (
      exception instanceof CapacityExceededError ||
      exception instanceof ModelUnavailableError ||
      exception instanceof LimitExceededError
    ) {
      res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    } else if (exception instanceof UnauthorizedError) {
      res.setHeader('WWW-Authenticate', 'Bearer');
    } else if (isRedisUnavailable(exception)) {
      res.setHeader('Retry-After', '2');
    }
    res
      .status(status)
      .type('application/json')
      .send(JSON.stringify(errorBody(path, status, message)));
  }
}

/** The longest error message sent: a backstop to `quote`, should some message still repeat much input. */
export const MAX_ERROR_MESSAGE_CHARS = 1000;

/** The error body of the path's family (Ollama, OpenAI or Anthropic), its message bounded. */
export function errorBody(path: string | undefined, status: number, message: string): object {
  return familyErrorBody(path, status, bounded(message));
}

function bounded(message: string): string {
  return message.length > MAX_ERROR_MESSAGE_CHARS ? quoteLong(message) : message;
}

function quoteLong(message: string): string {
  return `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (cut from ${message.length} characters)`;
}

function describe(exception: unknown): { status: number; message: string } {
  if (exception instanceof GridError) return { status: exception.status, message: exception.message };
  if (isRedisUnavailable(exception))
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      message: 'service unavailable: the queue store (Redis) is unreachable, try again shortly',
    };
  if (exception instanceof HttpException)
    return { status: exception.getStatus(), message: httpMessage(exception) };
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal error' };
}

function httpMessage(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
