import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, securityConfig } from '@gridllm/config';
import { GridAccessError, RedisClient, isRedisUnavailable } from '@gridllm/redis';

import { workerTokenMatches, workerTokenProof } from './worker-token';

/** Heartbeat intervals between two re-recordings of the proof. */
const PROOF_REFRESH_BEATS = 10;

/** A worker's standing on the grid: it may join, or no gateway has set the grid's token yet. */
export type WorkerAdmission = 'admitted' | 'awaiting-gateway';

/**
 * The grid's WORKER_TOKEN, proven in Redis by an HMAC (never the token itself). The first gateway with a
 * token records the proof; every later gateway and worker must hold the same token, or refuses to start.
 */
@Injectable()
export class WorkerTokenCheck implements OnApplicationShutdown {
  private readonly logger = new Logger(WorkerTokenCheck.name);
  private refresh: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: RedisClient,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  /**
   * Gateway boot: records the proof (first gateway wins) or refuses a token that differs (throws
   * GridAccessError). While Redis is down it keeps trying in the background, as the gateway's other
   * connections do, and reports a refusal found later through `onLateRefusal`.
   */
  async establish(onLateRefusal: (refusal: GridAccessError) => void): Promise<void> {
    try {
      await this.establishOnce();
      this.keepEstablished();
    } catch (error) {
      if (!isRedisUnavailable(error)) throw error;
      this.logger.warn(`cannot check WORKER_TOKEN yet (${(error as Error).message}); retrying`);
      this.retryEstablish(onLateRefusal);
    }
  }

  /**
   * Re-records the proof now and then (SET NX, so it never replaces one): a Redis restarted without its
   * data would otherwise keep booting workers waiting until a gateway restarts.
   */
  private keepEstablished(): void {
    const { workerToken } = this.security;
    if (!workerToken) return;
    const { redis, keys } = this.client;
    this.refresh = setInterval(() => {
      redis.set(keys.workerTokenCheck(), workerTokenProof(workerToken), 'NX').catch(() => undefined);
    }, this.queue.heartbeatIntervalMs * PROOF_REFRESH_BEATS);
    this.refresh.unref();
  }

  onApplicationShutdown(): void {
    if (this.refresh) clearInterval(this.refresh);
  }

  /** Worker boot: admitted, or waiting for a gateway to set the token; throws GridAccessError when refused. */
  async admission(): Promise<WorkerAdmission> {
    const { workerToken } = this.security;
    const proof = await this.client.redis.get(this.client.keys.workerTokenCheck());
    if (proof === null) return workerToken ? 'awaiting-gateway' : 'admitted';
    if (!workerToken)
      throw new GridAccessError(
        "this grid requires WORKER_TOKEN: set the grid's WORKER_TOKEN on this worker (it was refused and took no jobs)",
      );
    if (!workerTokenMatches(workerToken, proof))
      throw new GridAccessError(
        "WORKER_TOKEN does not match this grid's: set the grid's WORKER_TOKEN on this worker (it was refused and took no jobs)",
      );
    return 'admitted';
  }

  private async establishOnce(): Promise<void> {
    const { redis, keys } = this.client;
    const key = keys.workerTokenCheck();
    const { workerToken } = this.security;
    if (!workerToken) {
      if ((await redis.exists(key)) === 1)
        throw new GridAccessError(
          `this grid requires WORKER_TOKEN (${key} exists): set the grid's WORKER_TOKEN on this gateway, or it could not verify workers`,
        );
      return;
    }
    await redis.set(key, workerTokenProof(workerToken), 'NX');
    const proof = await redis.get(key);
    if (proof !== null && !workerTokenMatches(workerToken, proof))
      throw new GridAccessError(
        `WORKER_TOKEN does not match this grid's (proven at ${key}): use the grid's token, or delete that key to change the token of the whole grid`,
      );
  }

  private retryEstablish(onLateRefusal: (refusal: GridAccessError) => void): void {
    const timer = setTimeout(() => {
      this.establishOnce().then(
        () => {
          this.logger.log('WORKER_TOKEN checked');
          this.keepEstablished();
        },
        (error: unknown) => {
          if (error instanceof GridAccessError) onLateRefusal(error);
          else this.retryEstablish(onLateRefusal);
        },
      );
    }, this.queue.heartbeatIntervalMs);
    timer.unref();
  }
}
