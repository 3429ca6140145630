import { Module } from '@nestjs/common';

import { REQUEST_COMMAND_TIMEOUT_MS, RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { RateCounter } from './rate-counter';
import { RateLimitPolicy } from './rate-limit-policy';

/**
 * Request-rate limits, counted in Redis so that every gateway replica shares them. The guard
 * (RateLimitGate, which hands limited requests to RequestRateGuard) is registered by GatewayModule,
 * after the auth guard, so the order is explicit.
 */
@Module({
  providers: [
    RateLimitPolicy,
    {
      provide: RateCounter,
      inject: [RedisConnectionFactory, RedisClient],
      useFactory: (connections: RedisConnectionFactory, client: RedisClient) =>
        new RateCounter(throttleConnection(connections, client)),
    },
  ],
  exports: [RateLimitPolicy, RateCounter],
})
export class LimitsModule {}

/** A connection of its own whose keys all land under `throttlePrefix()` (the counter adds none). */
function throttleConnection(connections: RedisConnectionFactory, client: RedisClient) {
  return connections.create('gridllm-throttle', {
    commandTimeoutMs: REQUEST_COMMAND_TIMEOUT_MS,
    keyPrefix: client.keys.throttlePrefix(),
    autoPipelining: true,
    // The rate count is sent when the guard runs and awaited only at submit, after validation and the job's
    // set-up in the same turn (deferred-rate-check.ts): it must leave at once to overlap that work.
    coalesceWrites: false,
  });
}
