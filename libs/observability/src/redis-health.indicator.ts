import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { observabilityConfig } from '@gridllm/config';
import { RedisClient } from '@gridllm/redis';

import { probeRedis } from './redis-probe';

/** Redis answers PING on the app's command connection within HEALTH_CHECK_TIMEOUT. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly client: RedisClient,
    @Inject(observabilityConfig.KEY) private readonly settings: ConfigType<typeof observabilityConfig>,
  ) {}

  async ping(key = 'redis'): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    const startedAt = Date.now();
    try {
      await probeRedis(this.client.redis, this.settings.healthCheckTimeoutMs, 'redis ping', (redis) =>
        redis.ping(),
      );
      return session.up({ latencyMs: Date.now() - startedAt });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
