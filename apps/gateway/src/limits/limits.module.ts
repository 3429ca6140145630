import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Cluster } from 'ioredis';
import { ThrottlerModule } from '@nestjs/throttler';

import { securityConfig } from '@gridllm/config';
import {
  REQUEST_COMMAND_TIMEOUT_MS,
  RedisClient,
  RedisConnection,
  RedisConnectionFactory,
} from '@gridllm/redis';

import { RateLimitPolicy } from './rate-limit-policy';

/**
 * Request-rate limits, counted in Redis so that every gateway replica shares them. The guard
 * (RateLimitGate, which hands limited requests to RequestRateGuard) is registered by GatewayModule,
 * after the auth guard, so the order is explicit.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [RedisConnectionFactory, RedisClient, securityConfig.KEY],
      useFactory: (
        connections: RedisConnectionFactory,
        client: RedisClient,
        security: ConfigType<typeof securityConfig>,
      ) => ({
        // A placeholder: the guard applies each principal's own limit (or this global one). Unnamed,
        // so headers are plain X-RateLimit-Limit/-Remaining/-Reset and Retry-After (no name suffix).
        throttlers: [{ limit: security.rateLimit.requests, ttl: security.rateLimit.windowSeconds * 1000 }],
        storage: throttleStorage(throttleConnection(connections, client)),
      }),
    }),
  ],
  providers: [RateLimitPolicy],
  exports: [RateLimitPolicy],
})
export class LimitsModule {}

/** A connection of its own whose keys all land under `throttlePrefix()` (the storage adds none). */
function throttleConnection(connections: RedisConnectionFactory, client: RedisClient) {
  return connections.create('gridllm-throttle', {
    commandTimeoutMs: REQUEST_COMMAND_TIMEOUT_MS,
    keyPrefix: client.keys.throttlePrefix(),
    autoPipelining: true,
  });
}

/** The storage takes a server or a Cluster through separate overloads (its keys carry their own hash tag). */
function throttleStorage(connection: RedisConnection): ThrottlerStorageRedisService {
  return connection instanceof Cluster
    ? new ThrottlerStorageRedisService(connection)
    : new ThrottlerStorageRedisService(connection);
}
