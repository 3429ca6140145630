import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';

import { JobSchedulerService } from '@gridllm/scheduler';

import { RATE_CHECKED_AT_SUBMIT_KEY, deferRateCount } from './deferred-rate-check';
import { PendingRateCount } from './pending-rate-count';
import { RateCounter } from './rate-counter';
import { RateLimitPolicy } from './rate-limit-policy';

/**
 * Counts each request against its principal's (or client IP's) limit in Redis, so the limit holds
 * across every gateway replica. Registered after the auth guard: it needs `req.user`. The count's
 * answer is PendingRateCount's (headers, or the 429). On a route marked RateCheckedAtSubmit the count is
 * left to the job the handler submits (see deferred-rate-check.ts).
 */
@Injectable()
export class RequestRateGuard implements CanActivate {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly counter: RateCounter,
    private readonly reflector: Reflector,
    private readonly scheduler: JobSchedulerService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const limit = this.policy.limitFor(req);
    if (!limit) return true;
    const charge = new PendingRateCount(this.counter, limit, http.getResponse<Response>());
    if (!this.reflector.get<boolean>(RATE_CHECKED_AT_SUBMIT_KEY, context.getHandler()))
      return charge.count().then(() => true);
    deferRateCount(req, charge);
    // Where no enqueue script can count it (a Cluster, signed claims), the count leaves now, so that its
    // round trip overlaps the request's validation; its refusal is met again at submit.
    if (!this.scheduler.countsRequestsAtEnqueue) charge.count().catch(() => undefined);
    return true;
  }
}
