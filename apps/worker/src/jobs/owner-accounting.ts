import { Injectable, Logger } from '@nestjs/common';

import { OwnerJobs, UsageLedger } from '@gridllm/access';
import { InferenceJobData, OllamaChunk } from '@gridllm/contracts';
import { FairShareSettlement } from '@gridllm/scheduler';

import { TokenTally } from './token-tally';

/** Hands out one JobAccount per job run. */
@Injectable()
export class OwnerAccounting {
  private readonly logger = new Logger(OwnerAccounting.name);

  constructor(
    private readonly ledger: UsageLedger,
    private readonly ownerJobs: OwnerJobs,
    private readonly fairShare: FairShareSettlement,
  ) {}

  open(data: InferenceJobData): JobAccount {
    return new JobAccount(data, this.ledger, this.ownerJobs, this.logger, this.fairShare);
  }
}

/**
 * What one job owes its owner: the tokens it used and the concurrency slot it holds. Settled once, when
 * the job ends on this worker; never when it is handed back or its lock is lost (it goes on elsewhere).
 */
export class JobAccount {
  private readonly tally = new TokenTally();
  private settled = false;

  constructor(
    private readonly data: InferenceJobData,
    private readonly ledger: UsageLedger,
    private readonly ownerJobs: OwnerJobs,
    private readonly logger: Logger,
    private readonly fairShare?: FairShareSettlement,
  ) {}

  observe(chunk: OllamaChunk, final: boolean): void {
    this.tally.add(chunk, final);
  }

  /** Records the usage and frees the slot; later calls do nothing. Never throws: accounting must not fail a job. */
  async settle(): Promise<void> {
    const { id, ownerId, model } = this.data;
    if (!ownerId || this.settled) return;
    this.settled = true;
    const counts = this.tally.counts();
    const [recorded, released, settled] = await Promise.allSettled([
      this.ledger.record(ownerId, model, counts),
      this.ownerJobs.release(ownerId, id),
      this.fairShare?.settle(this.data, counts),
    ]);
    if (recorded.status === 'rejected')
      this.logger.warn(`job ${id}: usage not recorded: ${(recorded.reason as Error).message}`);
    if (released.status === 'rejected')
      this.logger.warn(`job ${id}: owner slot not released: ${(released.reason as Error).message}`);
    if (settled.status === 'rejected')
      this.logger.warn(`job ${id}: fair share not settled: ${(settled.reason as Error).message}`);
  }
}
