import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { redisConfig } from '@gridllm/config';

import { RedisConnection, RedisConnectionFactory } from './redis-connection.factory';
import { RedisKeys } from './redis-keys';
import { ReplicaAck } from './replica-ack';

/** How long a request-path Redis command may take before the caller gets "Redis unavailable". */
export const REQUEST_COMMAND_TIMEOUT_MS = 700;

/** The shared command connection (non-blocking commands only: it is auto-pipelined). */
@Injectable()
export class RedisClient {
  readonly redis: RedisConnection;
  readonly keys: RedisKeys;

  constructor(
    factory: RedisConnectionFactory,
    @Inject(redisConfig.KEY) settings: ConfigType<typeof redisConfig>,
  ) {
    this.redis = factory.create('gridllm-command', {
      commandTimeoutMs: REQUEST_COMMAND_TIMEOUT_MS,
      autoPipelining: true,
    });
    this.keys = new RedisKeys(settings.prefix, settings.topology.mode === 'cluster');
  }
}

@Global()
@Module({
  providers: [RedisConnectionFactory, RedisClient, ReplicaAck],
  exports: [RedisConnectionFactory, RedisClient, ReplicaAck],
})
export class RedisModule {}
