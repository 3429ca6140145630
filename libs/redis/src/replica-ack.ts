import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { redisConfig } from '@gridllm/config';

import type { RedisConnection } from './redis-connection.factory';

/**
 * Redis replication is asynchronous: a write the master acknowledged can vanish when a replica is
 * promoted. With REDIS_WAIT_REPLICAS > 0, `confirm` runs WAIT on each connection that wrote (WAIT covers
 * only that connection's own writes) until that many replicas hold them, so an accepted job survives.
 */
@Injectable()
export class ReplicaAck {
  private readonly logger = new Logger(ReplicaAck.name);

  constructor(@Inject(redisConfig.KEY) private readonly settings: ConfigType<typeof redisConfig>) {}

  /** Resolves once the writes so far on `connections` reached the configured replicas, or the timeout passed. */
  async confirm(what: string, ...connections: RedisConnection[]): Promise<void> {
    const { waitReplicas, waitTimeoutMs } = this.settings;
    if (waitReplicas === 0) return;
    const counts = await Promise.all(
      connections.map((connection) => connection.wait(waitReplicas, waitTimeoutMs)),
    );
    const confirmed = Math.min(...counts);
    if (confirmed < waitReplicas)
      this.logger.warn(
        `${what}: only ${confirmed} of ${waitReplicas} replicas confirmed within ${waitTimeoutMs} ms (REDIS_WAIT_REPLICAS); a failover now could lose it`,
      );
  }
}
