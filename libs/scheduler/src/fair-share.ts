import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, securityConfig } from '@gridllm/config';
import { InferenceJobData, JobOwner } from '@gridllm/contracts';

import { fairShareCost } from './fair-share-cost';

/** Jobs without an owner while auth is on (none today) share one counter: among themselves they stay FIFO. */
export const ANONYMOUS_OWNER = 'anonymous';

/** The fair-share state of a queue lives beside its BullMQ keys (same Cluster slot). */
export const FAIR_STATE_SUFFIX = 'gridllm-fair';

/** What the enqueue script needs to place a job fairly (see FAIR_TAG). */
export interface FairTerms {
  owner: string;
  cost: number;
  windowMs: number;
  /** Beyond a few windows every lead has decayed to nothing: the state may go. */
  stateTtlMs: number;
}

/**
 * Fair share between owners within a priority class (docs/scheduling.md, "Fair share"): a job is placed in
 * its band by its owner's virtual token counter as it is enqueued (ENQUEUE_JOB). With FAIR_SHARE=false jobs
 * keep BullMQ's FIFO order within a band.
 */
@Injectable()
export class FairShare {
  constructor(
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
    @Inject(securityConfig.KEY)
    private readonly security: Pick<ConfigType<typeof securityConfig>, 'authEnabled'>,
  ) {}

  get enabled(): boolean {
    return this.settings.fairShare.enabled;
  }

  /**
   * What the job is charged when queued; absent when fair share is off, and for every job while auth is off:
   * then all jobs are ownerless, one owner shares with nobody, and FIFO is the fair order (the enqueue
   * script keeps no counter for it and the worker settles nothing: 7 Redis commands fewer per job).
   */
  charge(data: Pick<InferenceJobData, 'kind'>, request: Record<string, unknown>, owner?: JobOwner) {
    if (!this.enabled || (!owner && !this.security.authEnabled)) return undefined;
    const weight = owner?.shareWeight ?? 1;
    return { cost: fairShareCost(data.kind, request, this.settings.fairShare, weight), weight };
  }

  /** How the enqueue script places the job: by fair share, or null for FIFO within its band. */
  terms(data: Pick<InferenceJobData, 'ownerId' | 'fairShare'>): FairTerms | null {
    if (!this.enabled || !data.fairShare) return null;
    const { windowMs } = this.settings.fairShare;
    return {
      owner: data.ownerId ?? ANONYMOUS_OWNER,
      cost: data.fairShare.cost,
      windowMs,
      stateTtlMs: windowMs * 4,
    };
  }
}
