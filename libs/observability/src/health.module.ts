import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { RedisHealthIndicator } from './redis-health.indicator';

/**
 * Terminus plus the checks both apps share. Terminus' own logger is off: a failing probe every few
 * seconds would repeat what the Redis connection and the engine refresh already log once per outage.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [RedisHealthIndicator],
  exports: [TerminusModule, RedisHealthIndicator],
})
export class HealthModule {}
