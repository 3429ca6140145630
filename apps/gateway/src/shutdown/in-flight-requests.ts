import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { NDJSON_CONTENT_TYPE } from '@gridllm/streaming';

import { familyErrorBody, streamErrorFrame } from '../common/error-family';
import { SSE_CONTENT_TYPE } from '../openai-api/sse-sink';

/**
 * Every HTTP response the gateway has begun and not yet closed. While the gateway drains, each response
 * asks its client (or balancer) to close the connection, so no kept-alive socket is left for a request
 * to race the shutdown on.
 */
@Injectable()
export class InFlightRequests {
  private readonly open = new Set<Response>();
  private readonly waiters = new Set<() => void>();
  private closing = false;

  /** Express middleware, registered before every other one. */
  readonly track = (_req: Request, res: Response, next: NextFunction): void => {
    this.open.add(res);
    if (this.closing) res.setHeader('Connection', 'close');
    // 'close' fires after the last byte and after an abort alike.
    res.once('close', () => this.closed(res));
    next();
  };

  get count(): number {
    return this.open.size;
  }

  /** From now on every response that has not sent its headers yet carries `Connection: close`. */
  closeConnections(): void {
    this.closing = true;
    for (const res of this.open) if (!res.headersSent) res.setHeader('Connection', 'close');
  }

  /** Resolves true as soon as nothing is in flight, or false after `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.open.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(onIdle);
    });
  }

  /**
   * Last resort for responses that no job relay ends (a model pull's progress, say): the family's error
   * before the first byte, the NDJSON error line or OpenAI error event after it. Returns how many it ended.
   */
  endStragglers(message: string): number {
    const stragglers = [...this.open].filter((res) => !res.writableEnded);
    for (const res of stragglers) endWithError(res, message);
    return stragglers.length;
  }

  private closed(res: Response): void {
    this.open.delete(res);
    if (this.open.size > 0) return;
    for (const waiter of [...this.waiters]) waiter();
  }
}

const SHUTDOWN_STATUS = 503;

function endWithError(res: Response, message: string): void {
  const path = res.req?.path;
  if (!res.headersSent) {
    res
      .status(SHUTDOWN_STATUS)
      .type('application/json')
      .send(JSON.stringify(familyErrorBody(path, SHUTDOWN_STATUS, message)));
    return;
  }
  const type = String(res.getHeader('Content-Type') ?? '');
  if (type.startsWith(NDJSON_CONTENT_TYPE)) res.write(`${JSON.stringify({ error: message })}\n`);
  else if (type.startsWith(SSE_CONTENT_TYPE)) res.write(streamErrorFrame(path, SHUTDOWN_STATUS, message));
  res.end();
}
