import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { gatewayConfig, observabilityConfig } from '@gridllm/config';
import { probeRedis } from '@gridllm/observability';
import { RedisClient } from '@gridllm/redis';
import { QueueRegistry } from '@gridllm/scheduler';

/** Long enough to see in redis-cli, short enough never to pile up. */
const PROBE_KEY_TTL_MS = 10000;

/**
 * The queue is usable when its connection writes: a PING can succeed on a Redis that refuses writes
 * (out of memory under noeviction, a failed AOF write, a replica after failover), and then no job can be
 * accepted.
 */
@Injectable()
export class QueueHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly queues: QueueRegistry,
    private readonly client: RedisClient,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
    @Inject(observabilityConfig.KEY) private readonly settings: ConfigType<typeof observabilityConfig>,
  ) {}

  async writable(key = 'queue'): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    const probeKey = this.client.keys.healthProbe(this.gateway.serverId);
    const startedAt = Date.now();
    try {
      await probeRedis(this.queues.connection, this.settings.healthCheckTimeoutMs, 'queue write', (redis) =>
        redis.set(probeKey, String(startedAt), 'PX', PROBE_KEY_TTL_MS),
      );
      return session.up({ latencyMs: Date.now() - startedAt });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
