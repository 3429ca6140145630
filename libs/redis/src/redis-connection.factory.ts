import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Redis, { RedisOptions } from 'ioredis';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

import { RedisSettings, RedisTlsSettings, redisConfig } from '@gridllm/config';

/**
 * Creates and tracks ioredis connections so that each can be closed on shutdown. Blocking commands
 * (XREAD BLOCK, BZPOPMIN) and pub/sub each need a connection of their own.
 */
@Injectable()
export class RedisConnectionFactory implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnectionFactory.name);
  private readonly connections = new Set<Redis>();

  constructor(@Inject(redisConfig.KEY) private readonly settings: ConfigType<typeof redisConfig>) {}

  /** Connection options for BullMQ (which needs `maxRetriesPerRequest: null`). */
  options(connectionName: string): RedisOptions {
    return redisOptions(this.settings, connectionName);
  }

  /**
   * A new connection. `commandTimeoutMs` bounds how long a command may wait, also while Redis is
   * unreachable (ioredis would otherwise queue it until Redis returns): request paths use it so a
   * client gets a 503 within a second instead of hanging. Blocking readers must not set it.
   * `keyPrefix` is for third-party code that names its own keys (never for BullMQ, which breaks with it).
   */
  create(
    connectionName: string,
    { commandTimeoutMs, keyPrefix }: { commandTimeoutMs?: number; keyPrefix?: string } = {},
  ): Redis {
    const connection = new Redis({
      ...this.options(connectionName),
      commandTimeout: commandTimeoutMs,
      keyPrefix,
    });
    connection.on('error', (error: Error) => this.logger.warn(`redis (${connectionName}): ${error.message}`));
    this.connections.add(connection);
    connection.once('end', () => this.connections.delete(connection));
    return connection;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.connections].map((connection) => closeQuietly(connection)));
  }
}

/** ioredis options of every GridLLM connection: topology, credentials, TLS, and retries that never give up. */
export function redisOptions(settings: RedisSettings, connectionName: string): RedisOptions {
  const common: RedisOptions = {
    username: settings.username,
    password: settings.password,
    db: settings.db,
    tls: settings.tls ? tlsOptions(settings.tls) : undefined,
    connectionName,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  const { topology } = settings;
  if (topology.mode !== 'sentinel') return { ...common, host: settings.host, port: settings.port };
  return {
    ...common,
    sentinels: topology.sentinels,
    name: topology.masterName,
    sentinelPassword: topology.sentinelPassword,
    enableTLSForSentinelMode: Boolean(settings.tls),
    // Each reconnect asks a sentinel for the master anew, so a short delay finds a promoted replica soon.
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 1000),
    // A master demoted while we stayed connected answers writes with READONLY: reconnect to the new one.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
}

/** Node TLS options from the configured PEM files (read once per connection; they are small). */
function tlsOptions(files: RedisTlsSettings): ConnectionOptions {
  return {
    ca: files.caFile ? readFileSync(files.caFile) : undefined,
    cert: files.certFile ? readFileSync(files.certFile) : undefined,
    key: files.keyFile ? readFileSync(files.keyFile) : undefined,
  };
}

const QUIT_TIMEOUT_MS = 1000;

/** QUIT politely, but never wait on a Redis that is gone (ioredis would queue the QUIT forever). */
async function closeQuietly(connection: Redis): Promise<void> {
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS).unref());
  await Promise.race([connection.quit().catch(() => undefined), timeout]);
  connection.disconnect();
}
