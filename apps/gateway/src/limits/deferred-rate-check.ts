import { SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

import { RequestCharge } from '@gridllm/access';

/** The metadata key RateCheckedAtSubmit sets on a handler. */
export const RATE_CHECKED_AT_SUBMIT_KEY = 'gridllm:rate-checked-at-submit';

/**
 * Marks a route whose handler hands its request's rate count to the job it submits
 * (`pendingRateCount`): the guard lets the request go on uncounted, and the job's enqueue script counts
 * it in the same round trip that stores the job (one Redis server), or the submit counts it beside its
 * own checks; either way the job is stored only once the count allows it. A route marked so must pass
 * `pendingRateCount(req)` on to its submit, or count it itself, before it answers or stores anything; a
 * request that ends in an error before that is counted by the error filter.
 */
export const RateCheckedAtSubmit = () => SetMetadata(RATE_CHECKED_AT_SUBMIT_KEY, true);

const pending = new WeakMap<Request, RequestCharge>();

/** Leaves the request's rate count with the handler (see RateCheckedAtSubmit). */
export function deferRateCount(req: Request, charge: RequestCharge): void {
  pending.set(req, charge);
}

/** The request's rate count left to its handler by the guard, if any (see RateCheckedAtSubmit). */
export function pendingRateCount(req: Request): RequestCharge | undefined {
  return pending.get(req);
}
