import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';

import { LimitExceededError } from '@gridllm/contracts';

import { AppliedRateLimit, RateLimitPolicy } from './rate-limit-policy';

/**
 * Counts each request against its principal's (or client IP's) limit in Redis, so the limit holds
 * across every gateway replica. Registered after the auth guard: it needs `req.user`.
 * Allowed answers carry X-RateLimit-Limit/-Remaining/-Reset; a refusal is a 429 LimitExceededError.
 */
@Injectable()
export class RequestRateGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly policy: RateLimitPolicy,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(this.policy.limitFor(requestOf(context)) === null);
  }

  /** Swaps the module's placeholder limit for the principal's own, in the units the storage wants. */
  protected override handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const limit = this.policy.limitFor(requestOf(props.context));
    if (!limit) return Promise.resolve(true);
    const windowMs = limit.windowSeconds * 1000;
    return super.handleRequest({
      ...props,
      limit: limit.requests,
      ttl: windowMs,
      // Over the limit means refused until a whole window has passed since the first refusal.
      blockDuration: windowMs,
      getTracker: () => limit.tracker,
    });
  }

  /** One counter per principal for all routes (the default would count each route apart). */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const subject = this.policy.limitFor(requestOf(context))?.subject ?? detail.tracker;
    const retryAfterSeconds = Math.max(1, detail.timeToBlockExpire);
    const limit = { requests: detail.limit, windowSeconds: Math.round(detail.ttl / 1000), subject };
    throw new LimitExceededError(limitMessage(limit, retryAfterSeconds), retryAfterSeconds);
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

function requestOf(context: ExecutionContext): Request {
  return context.switchToHttp().getRequest<Request>();
}
