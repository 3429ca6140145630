import type { Request } from 'express';

import { JobPriority, Principal } from '@gridllm/contracts';

/** The authenticated principal of a request; undefined when auth is off. */
export function principalOf(req: Request): Principal | undefined {
  return req.user as Principal | undefined;
}

const RANK: Readonly<Record<JobPriority, number>> = { high: 3, medium: 2, low: 1 };

/** The header that tells a client its priority was lowered, e.g. `high->medium`. */
export const PRIORITY_CAPPED_HEADER = 'x-gridllm-priority-capped';

/**
 * A priority above the principal's cap is lowered to the cap, not refused (the job still runs).
 * Returns the priority to use and, when lowered, what was asked for.
 */
export function cappedPriority(
  requested: JobPriority | undefined,
  principal: Principal | undefined,
): { priority: JobPriority; loweredFrom?: JobPriority } {
  const asked = requested ?? 'medium';
  const cap = principal?.maxPriority;
  if (!cap || RANK[asked] <= RANK[cap]) return { priority: asked };
  return { priority: cap, loweredFrom: asked };
}
