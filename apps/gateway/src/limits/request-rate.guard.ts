import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';

import { LimitExceededError } from '@gridllm/contracts';

import { RATE_CHECKED_AT_SUBMIT_KEY, deferRateCheck } from './deferred-rate-check';
import { RateCounter } from './rate-counter';
import { AppliedRateLimit, RateLimitPolicy } from './rate-limit-policy';

/**
 * Counts each request against its principal's (or client IP's) limit in Redis, so the limit holds
 * across every gateway replica. Registered after the auth guard: it needs `req.user`.
 * Allowed answers carry X-RateLimit-Limit/-Remaining/-Reset; a refusal is a 429 LimitExceededError.
 * Over the limit means refused until a whole window has passed since the first refusal.
 * On a route marked RateCheckedAtSubmit the count is left to the handler (see deferred-rate-check.ts).
 */
@Injectable()
export class RequestRateGuard implements CanActivate {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly counter: RateCounter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const limit = this.policy.limitFor(req);
    if (!limit) return true;
    const check = this.count(limit, http.getResponse<Response>());
    if (this.reflector.get<boolean>(RATE_CHECKED_AT_SUBMIT_KEY, context.getHandler()))
      deferRateCheck(req, check);
    else await check;
    return true;
  }

  /** Counts the request; sets the X-RateLimit headers, or rejects with the 429 (and its Retry-After). */
  private async count(limit: AppliedRateLimit, res: Response): Promise<void> {
    const windowMs = limit.windowSeconds * 1000;
    const count = await this.counter.increment(limit.tracker, windowMs, limit.requests, windowMs);
    // A deferred count can come back after its request was answered (a 400 for its body): nothing to add.
    if (res.headersSent) return;
    if (count.isBlocked) {
      res.header('Retry-After', String(count.timeToBlockExpire));
      const retryAfterSeconds = Math.max(1, count.timeToBlockExpire);
      throw new LimitExceededError(limitMessage(limit, retryAfterSeconds), retryAfterSeconds);
    }
    res.header('X-RateLimit-Limit', String(limit.requests));
    res.header('X-RateLimit-Remaining', String(Math.max(0, limit.requests - count.totalHits)));
    res.header('X-RateLimit-Reset', String(count.timeToExpire));
  }
}

/** `rate limit exceeded: 5 requests per 60 s for key key_abc; retry in 42 s` */
export function limitMessage(
  limit: Pick<AppliedRateLimit, 'requests' | 'windowSeconds' | 'subject'>,
  retryAfterSeconds: number,
): string {
  const rate = `${limit.requests} requests per ${limit.windowSeconds} s`;
  return `rate limit exceeded: ${rate} for ${limit.subject}; retry in ${retryAfterSeconds} s`;
}
