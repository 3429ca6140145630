import { quote } from './quote';

/**
 * Domain errors. Libs and the worker throw these; the gateway maps them to HTTP once
 * (status + Ollama's `{"error": "..."}` body). Never throw HttpException outside apps/gateway.
 * Values from the request appear only through `quote`, so an error never echoes hostile input at length.
 */
export abstract class GridError extends Error {
  abstract readonly status: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends GridError {
  readonly status = 400;
}

export class ModelNotFoundError extends GridError {
  readonly status = 404;
  constructor(readonly model: string) {
    super(`model "${quote(model)}" not found, try pulling it first`);
  }
}

/** No live worker serves the model right now, but one did minutes ago (it may be restarting). */
export class ModelUnavailableError extends GridError {
  readonly status = 503;
  readonly retryAfterSeconds = 5;
  constructor(readonly model: string) {
    super(
      `model "${quote(model)}" is temporarily unavailable: no live worker serves it right now, try again shortly`,
    );
  }
}

export class JobNotFoundError extends GridError {
  readonly status = 404;
  constructor(readonly jobId: string) {
    super(`job "${quote(jobId)}" not found`);
  }
}

export class JobNotFinishedError extends GridError {
  readonly status = 409;
  constructor(
    readonly jobId: string,
    readonly state: string,
  ) {
    super(`job "${quote(jobId)}" has no result yet (state: ${state})`);
  }
}

/** Too much work accepted already; the client should retry after `retryAfterSeconds`. */
export class CapacityExceededError extends GridError {
  readonly status = 503;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class JobTimeoutError extends GridError {
  readonly status = 504;
  constructor(
    readonly phase: 'first-token' | 'stall' | 'total',
    readonly timeoutMs: number,
  ) {
    super(`job timed out after ${timeoutMs} ms (${phase})`);
  }
}

/** An error the engine or a worker reported for a job, with the HTTP status it should surface as. */
export class JobFailedError extends GridError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class WorkerNotFoundError extends GridError {
  readonly status = 404;
  constructor(readonly workerId: string) {
    super(`worker "${quote(workerId)}" not found`);
  }
}

/** A 404 with Ollama's own words for it (e.g. `model 'x' not found` from /api/delete). */
export class NotFoundError extends GridError {
  readonly status = 404;
}

/** A fleet operation failed on some worker; the message names it. */
export class FleetOperationError extends GridError {
  readonly status = 502;
}

/** No credentials, or credentials that do not check out. */
export class UnauthorizedError extends GridError {
  readonly status = 401;
}

/** Valid credentials that do not allow this (a scope or a model outside the allowlist). */
export class ForbiddenError extends GridError {
  readonly status = 403;
}

/** A per-key limit (rate, quota, concurrency) was reached; retry after `retryAfterSeconds`. */
export class LimitExceededError extends GridError {
  readonly status = 429;

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
