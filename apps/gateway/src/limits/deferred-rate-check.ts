import { SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

/** The metadata key RateCheckedAtSubmit sets on a handler. */
export const RATE_CHECKED_AT_SUBMIT_KEY = 'gridllm:rate-checked-at-submit';

/**
 * Marks a route whose handler hands its request's rate check to the job it submits
 * (`pendingRateCheck`): the guard sends the count and lets the request go on, so the Redis round trip
 * runs while the body is validated and the job is built, and the job is stored only once the count
 * allows it. A route marked so must pass `pendingRateCheck(req)` on before it answers or stores
 * anything: otherwise its requests are counted but never refused.
 */
export const RateCheckedAtSubmit = () => SetMetadata(RATE_CHECKED_AT_SUBMIT_KEY, true);

const pending = new WeakMap<Request, Promise<void>>();

/** Leaves the request's rate check with the handler; it rejects with the 429 when over the limit. */
export function deferRateCheck(req: Request, check: Promise<void>): void {
  // Handled here so that a request answered before its check is awaited (a 400) leaves no unhandled
  // rejection; awaiting `check` later still throws.
  check.catch(() => undefined);
  pending.set(req, check);
}

/** The request's rate check still on its way, if the guard left one (see RateCheckedAtSubmit). */
export function pendingRateCheck(req: Request): Promise<void> | undefined {
  return pending.get(req);
}
