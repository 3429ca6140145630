import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { redisConfig } from '@gridllm/config';
import { RedisClient } from '@gridllm/redis';

import { queueNameFor } from '../queue-names';

/** An unclaimed hint (its job was cancelled while waiting) lasts at most this long once the queue is idle. */
const HINTS_TTL_MS = 10 * 60_000;

/**
 * KEYS: the queue's prioritised set, its hints hash; ARGV: the queue's job key prefix. Returns the head
 * job's {id, timestamp, preferred worker or ''}, or nil when no job waits: what a free slot would get next.
 */
const PEEK_HEAD = `
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if not head then return false end
local ts = redis.call('HGET', ARGV[1] .. head, 'timestamp')
local preferred = redis.call('HGET', KEYS[2], head)
return {head, ts or '0', preferred or ''}
`;

/** The job a free slot of a model's queue would take next. */
export interface HeadJob {
  id: string;
  ageMs: number;
  /** The worker the gateway prefers for it ('' when none). */
  preferred: string;
}

/**
 * Which waiting jobs prefer which worker: one hash per model queue (job id → worker id), beside the
 * queue's BullMQ keys (same Cluster slot), so a worker reads the head job and its preference in one script.
 */
@Injectable()
export class JobPreference {
  constructor(
    private readonly client: RedisClient,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
  ) {
    this.client.redis.defineCommand('gridllmPeekHead', { numberOfKeys: 2, lua: PEEK_HEAD });
  }

  /** Gateway: the job should go to `workerId` if it can take it within the affinity delay. */
  async prefer(model: string, jobId: string, workerId: string): Promise<void> {
    const key = this.key(model);
    await this.client.redis.multi().hset(key, jobId, workerId).pexpire(key, HINTS_TTL_MS).exec();
  }

  /** Worker: the head job of the queue whose keys start with `jobKeyPrefix`, and whom it prefers. */
  async head(model: string, prioritizedKey: string, jobKeyPrefix: string): Promise<HeadJob | null> {
    const redis = this.client.redis as unknown as PeekCommand;
    const reply = await redis.gridllmPeekHead(prioritizedKey, this.key(model), jobKeyPrefix);
    if (!reply) return null;
    const [id, timestamp, preferred] = reply;
    return { id, ageMs: Date.now() - Number(timestamp), preferred };
  }

  /** Worker: the job was taken, its hint is spent. */
  async forget(model: string, jobId: string): Promise<void> {
    await this.client.redis.hdel(this.key(model), jobId);
  }

  /** The model queue's hints hash (read by the worker's take script, see TAKE_NEXT). */
  hintsKey(model: string): string {
    return this.key(model);
  }

  private key(model: string): string {
    return `${this.redis.prefix}:${queueNameFor(model, this.client.keys.clustered)}:gridllm-preferred`;
  }
}

interface PeekCommand {
  gridllmPeekHead(
    prioritized: string,
    hints: string,
    jobKeyPrefix: string,
  ): Promise<[string, string, string] | null>;
}
