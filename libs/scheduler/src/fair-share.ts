import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { BULLMQ_PRIORITY, InferenceJobData, JobOwner } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';

import { fairShareCost } from './fair-share-cost';
import { PARKED, PLACE_FAIRLY } from './fair-share.lua';
import { ModelQueue } from './queue-registry';

/** Jobs without an owner (auth off) share one counter: among themselves they stay FIFO. */
export const ANONYMOUS_OWNER = 'anonymous';

/** The fair-share state of a queue lives beside its BullMQ keys (same Cluster slot). */
export const FAIR_STATE_SUFFIX = 'gridllm-fair';

interface FairScriptHost {
  gridllmPlaceFairly(...args: Array<string | number>): Promise<string>;
}

/**
 * Fair share between owners within a priority class (docs/scheduling.md, "Fair share"): a job is added
 * parked behind every band, then one script gives it its place by its owner's virtual token counter.
 * With FAIR_SHARE=false jobs keep BullMQ's FIFO order within a band.
 */
@Injectable()
export class FairShare {
  private readonly prepared = new WeakSet<object>();

  constructor(@Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>) {}

  get enabled(): boolean {
    return this.settings.fairShare.enabled;
  }

  /** The BullMQ priority to add the job with: parked behind every band until `place` runs. */
  addPriority(data: InferenceJobData): number {
    return BULLMQ_PRIORITY[data.priority] + (this.enabled ? PARKED : 0);
  }

  /** What the job is charged when queued (absent when fair share is off). */
  charge(data: Pick<InferenceJobData, 'kind'>, request: Record<string, unknown>, owner?: JobOwner) {
    if (!this.enabled) return undefined;
    const weight = owner?.shareWeight ?? 1;
    return { cost: fairShareCost(data.kind, request, this.settings.fairShare, weight), weight };
  }

  /** Moves the just-added job to its fair place in its band; returns its fair tag (null when off). */
  async place(
    queue: ModelQueue,
    connection: RedisConnection,
    data: InferenceJobData,
  ): Promise<number | null> {
    if (!this.enabled || !data.fairShare) return null;
    const fair = this.settings.fairShare;
    const tag = await this.host(connection).gridllmPlaceFairly(
      queue.toKey(FAIR_STATE_SUFFIX),
      queue.keys.prioritized,
      queue.toKey(data.id),
      data.ownerId ?? ANONYMOUS_OWNER,
      data.fairShare.cost,
      Date.now(),
      fair.windowMs,
      BULLMQ_PRIORITY[data.priority],
      data.id,
      // Beyond a few windows every lead has decayed to nothing: the state may go.
      fair.windowMs * 4,
    );
    return Number(tag);
  }

  private host(connection: RedisConnection): FairScriptHost {
    if (!this.prepared.has(connection)) {
      connection.defineCommand('gridllmPlaceFairly', { numberOfKeys: 3, lua: PLACE_FAIRLY });
      this.prepared.add(connection);
    }
    return connection as unknown as FairScriptHost;
  }
}
