import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Socket } from 'node:net';

import { coalesceTurnWrites } from './turn-coalesced-writes';

import { RedisSettings, RedisTlsSettings, redisConfig } from '@gridllm/config';

/**
 * A connection to GridLLM's Redis: one server or a Sentinel-followed master (`Redis`), or a `Cluster`
 * that routes each command to the shard of its keys. Both take the same commands.
 */
export type RedisConnection = Redis | Cluster;

/**
 * How one connection behaves. `autoPipelining` is for command connections only: ioredis then holds a
 * turn's commands until the batch before them is answered, so a blocking command (XREAD BLOCK, BZPOPMIN,
 * BLPOP) would stall every caller behind it, and pub/sub cannot be pipelined. Off in a Redis Cluster,
 * where a pipeline must stay within one node's slots and fails as a whole on a slot move.
 */
export interface ConnectionTuning {
  commandTimeoutMs?: number;
  keyPrefix?: string;
  autoPipelining?: boolean;
  /**
   * Send a turn's writes in one system call (REDIS_COALESCE_WRITES; default true). False for a connection
   * whose command is sent early and awaited later in the same turn: a corked command would leave only when
   * the turn ends, and its round trip would no longer overlap the work in between.
   */
  coalesceWrites?: boolean;
}

/**
 * Creates and tracks ioredis connections so that each can be closed on shutdown. Blocking commands
 * (XREAD BLOCK, BZPOPMIN) and pub/sub each need a connection of their own.
 */
@Injectable()
export class RedisConnectionFactory implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnectionFactory.name);
  private readonly connections = new Set<RedisConnection>();

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
   * `autoPipelining` asks for ioredis auto-pipelining, applied when REDIS_AUTO_PIPELINING is on.
   */
  create(
    connectionName: string,
    { commandTimeoutMs, keyPrefix, autoPipelining = false, coalesceWrites = true }: ConnectionTuning = {},
  ): RedisConnection {
    const options: RedisOptions = {
      ...this.options(connectionName),
      commandTimeout: commandTimeoutMs,
      keyPrefix,
      enableAutoPipelining:
        autoPipelining && this.settings.autoPipelining && this.settings.topology.mode !== 'cluster',
    };
    const { topology } = this.settings;
    if (topology.mode === 'cluster')
      return this.track(connectionName, new Cluster(topology.nodes, clusterOptions(options, keyPrefix)));
    const connection = new Redis(options);
    // Each reconnect opens a new socket: coalesce the writes of every one of them.
    if (this.settings.coalesceWrites && coalesceWrites)
      connection.on('connect', () => coalesceTurnWrites(socketOf(connection)));
    return this.track(connectionName, connection);
  }

  private track<T extends RedisConnection>(connectionName: string, connection: T): T {
    connection.on('error', (error: Error) => this.logger.warn(`redis (${connectionName}): ${error.message}`));
    this.connections.add(connection);
    connection.once('end', () => this.connections.delete(connection));
    return connection;
  }

  /** True when keys are spread over the shards of a Redis Cluster (multi-key commands need one hash slot). */
  get clustered(): boolean {
    return this.settings.topology.mode === 'cluster';
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.connections].map((connection) => closeQuietly(connection)));
  }
}

/** The socket ioredis is connected through (typed `NetStream` there; a net or TLS socket). */
function socketOf(connection: Redis): Socket {
  return (connection as unknown as { stream: Socket }).stream;
}

/** Longest wait between reconnects behind Sentinel: a reconnect is one question to a sentinel. */
const SENTINEL_RETRY_CAP_MS = 500;

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
  // A cluster's first seed node stands for the cluster where one plain connection is enough (the preflight).
  if (topology.mode === 'cluster') return { ...common, db: 0, ...topology.nodes[0] };
  if (topology.mode !== 'sentinel') return { ...common, host: settings.host, port: settings.port };
  return {
    ...common,
    sentinels: topology.sentinels,
    name: topology.masterName,
    sentinelPassword: topology.sentinelPassword,
    enableTLSForSentinelMode: Boolean(settings.tls),
    // Each reconnect asks a sentinel for the master anew, so a short delay finds a promoted replica soon.
    // With the common 2 s cap, one app's connections found the new master seconds after another's, and a
    // request accepted by one waited for the other (a failover took 9–16 s instead of 6–8 in the e2e).
    retryStrategy: (attempt) => Math.min(attempt * 100, SENTINEL_RETRY_CAP_MS),
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, SENTINEL_RETRY_CAP_MS),
    // A master demoted while we stayed connected answers writes with READONLY: reconnect to the new one.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
}

/**
 * Cluster options around the per-node options: reconnects that never give up, and a slot map refreshed
 * quickly after a failover (MOVED/CLUSTERDOWN answers trigger a refresh too).
 */
function clusterOptions(node: RedisOptions, keyPrefix?: string): ClusterOptions {
  const {
    host: _host,
    port: _port,
    db: _db,
    keyPrefix: _prefix,
    retryStrategy: _retry,
    ...redisOptions
  } = node;
  return {
    redisOptions,
    keyPrefix,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    enableReadyCheck: true,
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
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
async function closeQuietly(connection: RedisConnection): Promise<void> {
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS).unref());
  await Promise.race([connection.quit().catch(() => undefined), timeout]);
  connection.disconnect();
}
