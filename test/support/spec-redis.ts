import type Redis from 'ioredis';

import { RedisSettings, parseGridConfig } from '@gridllm/config';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { RedisServer } from './redis-server';

/** What an integration spec gets from `specRedis`; valid inside its tests (after beforeAll). */
export interface SpecRedis {
  /** A new command client (a new connection), as each gateway or worker process would have. */
  newClient(): RedisClient;
  /** A plain client for arranging and asserting Redis state. */
  readonly admin: Redis;
  /** The connection factory behind `newClient`, for services that open connections of their own. */
  readonly factory: RedisConnectionFactory;
  /** The Redis settings it was built with (prefix included). */
  readonly settings: RedisSettings;
}

/**
 * A real redis-server for one integration spec: started before all tests, flushed before each, and
 * stopped (with every connection made through it) after all. Call it inside the `describe`.
 */
export function specRedis(prefix: string): SpecRedis {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let settings: RedisSettings;
  let admin: Redis;

  beforeAll(async () => {
    await server.start();
    settings = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: prefix }).redis;
    factory = new RedisConnectionFactory(settings);
    admin = server.client();
  });

  beforeEach(() => admin.flushall());

  afterAll(async () => {
    admin?.disconnect();
    await factory?.onApplicationShutdown();
    await server.stop();
  });

  return {
    newClient: () => new RedisClient(factory, settings),
    get admin() {
      return admin;
    },
    get factory() {
      return factory;
    },
    get settings() {
      return settings;
    },
  };
}
