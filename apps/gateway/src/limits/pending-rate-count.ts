import type { Response } from 'express';

import { RateCount, RateCountReply, RateCountTerms, RequestCharge, rateCountOf } from '@gridllm/access';
import { LimitExceededError } from '@gridllm/contracts';

import { RateCounter } from './rate-counter';
import { AppliedRateLimit } from './rate-limit-policy';

/**
 * One request's count against its limit, made once: by the gateway (`count`) or by the enqueue script of
 * the job it submits (`settle`). Allowed answers carry X-RateLimit-Limit/-Remaining/-Reset; a refusal is
 * a 429 LimitExceededError with Retry-After. Over the limit means refused until a whole window has passed
 * since the first refusal.
 */
export class PendingRateCount implements RequestCharge {
  private counted: Promise<void> | null = null;
  private claimed = false;

  constructor(
    private readonly counter: RateCounter,
    private readonly limit: AppliedRateLimit,
    private readonly res: Response,
  ) {}

  get made(): boolean {
    return this.claimed || this.counted !== null;
  }

  claim(): RateCountTerms {
    this.claimed = true;
    const { tracker, requests } = this.limit;
    return this.counter.terms(tracker, this.windowMs, requests, this.windowMs);
  }

  count(): Promise<void> {
    // A script made it (or failed making it: the request is answered with that failure, not counted twice).
    if (this.claimed) return Promise.resolve();
    if (!this.counted) {
      const { tracker, requests } = this.limit;
      this.counted = this.counter
        .increment(tracker, this.windowMs, requests, this.windowMs)
        .then((count) => this.answer(count));
    }
    return this.counted;
  }

  /** The window, which is also how long a refused client stays blocked. */
  private get windowMs(): number {
    return this.limit.windowSeconds * 1000;
  }

  settle(reply: RateCountReply): void {
    this.answer(rateCountOf(reply));
  }

  /** Sets the X-RateLimit headers, or throws the 429 (and sets its Retry-After). */
  private answer(count: RateCount): void {
    // A count can come back after its request was answered (a 400 for its body): nothing to add.
    if (this.res.headersSent) return;
    const { limit, res } = this;
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
