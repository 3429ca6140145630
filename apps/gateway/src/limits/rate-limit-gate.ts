import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';

import { RateLimitPolicy } from './rate-limit-policy';
import { RequestRateGuard } from './request-rate.guard';

/**
 * The global rate-limit guard. A request no limit applies to (every request while limits are off, and
 * the public paths) passes with a plain `true`: RequestRateGuard's async path would cost each of them a
 * promise hop for nothing. Every other request is counted by RequestRateGuard.
 */
@Injectable()
export class RateLimitGate implements CanActivate {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly counter: RequestRateGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.policy.limitFor(context.switchToHttp().getRequest<Request>()) === null) return true;
    return this.counter.canActivate(context);
  }
}
