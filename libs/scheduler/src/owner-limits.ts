import { Injectable } from '@nestjs/common';

import { OwnerJobs, UsageLedger, isoSeconds, usagePeriod } from '@gridllm/access';
import { JobOwner, LimitExceededError, QuotaPeriod } from '@gridllm/contracts';

/** A worker ends a job at its deadline; the margin only matters when the worker died and never released it. */
const SLOT_MARGIN_MS = 30_000;
/** A full slot frees as soon as one of the owner's jobs ends: worth trying again soon. */
const SLOT_RETRY_AFTER_SECONDS = 1;
/** A `total` quota never resets; tell clients to stay away for a day rather than hammer. */
const NO_RESET_RETRY_AFTER_SECONDS = 86_400;

const PERIOD_WORDS: Readonly<Record<QuotaPeriod, string>> = {
  day: 'today',
  month: 'this month',
  total: 'in total',
};

/** Per-owner admission: the token quota of the current period, then a concurrency slot for the job. */
@Injectable()
export class OwnerLimits {
  constructor(
    private readonly usage: UsageLedger,
    private readonly ownerJobs: OwnerJobs,
  ) {}

  /** Throws LimitExceededError (429) when the owner has used its quota for the current period. */
  async checkQuota(owner: JobOwner, now = Date.now()): Promise<void> {
    const quota = owner.tokenQuota;
    if (!quota) return;
    const spent = await this.usage.spent(owner.id, quota.period, now);
    if (spent < quota.tokens) return;
    const { resetsAt } = usagePeriod(quota.period, now);
    const used = `key ${owner.id} used ${spent} of ${quota.tokens} tokens ${PERIOD_WORDS[quota.period]}`;
    const reset = resetsAt ? `resets at ${isoSeconds(resetsAt)}` : 'it does not reset';
    const retryAfter = resetsAt
      ? Math.max(1, Math.ceil((resetsAt.getTime() - now) / 1000))
      : NO_RESET_RETRY_AFTER_SECONDS;
    throw new LimitExceededError(`token quota exhausted: ${used}; ${reset}`, retryAfter);
  }

  /** Holds one of the owner's maxConcurrent slots for the job (until a worker releases it, or its deadline passes). */
  async holdSlot(owner: JobOwner, jobId: string, deadlineAt: number, now = Date.now()): Promise<void> {
    const limit = owner.maxConcurrent ?? 0;
    if (limit <= 0) return;
    const { admitted, holding } = await this.ownerJobs.admit(
      owner.id,
      jobId,
      limit,
      deadlineAt + SLOT_MARGIN_MS,
      now,
    );
    if (!admitted) {
      throw new LimitExceededError(
        `key ${owner.id} already has ${holding} jobs queued or running (its limit is ${limit})`,
        SLOT_RETRY_AFTER_SECONDS,
      );
    }
  }

  async release(ownerId: string, jobId: string): Promise<void> {
    await this.ownerJobs.release(ownerId, jobId);
  }
}
