import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Redis, { RedisOptions } from 'ioredis';

import { freePort } from './free-port';
import { waitFor } from './wait-for';

/** PEM files of a TLS-only server (see tls-certificates.ts); clients must trust `caFile`. */
export interface RedisServerTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface RedisServerOptions {
  /** Password of the `default` user (`requirepass`); the test's own clients use it. */
  password?: string;
  /** Serve TLS only: the free port becomes the tls-port and plain TCP is off. No client certificate is required. */
  tls?: RedisServerTls;
  /** More redis-server arguments (e.g. `--replicaof`, `--min-replicas-to-write`, `--cluster-enabled`). */
  extraArgs?: string[];
}

/** A real redis-server on a free port, configured as production requires (AOF, noeviction). */
export class RedisServer {
  private process: ChildProcess | null = null;
  /** Made at the first start, so a server that is never started leaves nothing behind. */
  private dir = '';
  port = 0;

  constructor(private readonly options: RedisServerOptions = {}) {}

  /** Starts, or restarts on the same port (after `stop()` its data directory is recreated empty). */
  async start(): Promise<this> {
    this.port = this.port || (await freePort());
    this.dir = this.dir || mkdtempSync(join(tmpdir(), 'gridllm-redis-'));
    mkdirSync(this.dir, { recursive: true });
    this.process = spawn(
      'redis-server',
      [
        ...this.listenArgs(),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        ...(this.options.password ? ['--requirepass', this.options.password] : []),
        ...(this.options.extraArgs ?? []),
      ],
      { stdio: 'ignore' },
    );
    this.process.once('error', (error) => {
      throw new Error(
        `redis-server could not start (is it installed? make test installs it): ${error.message}`,
      );
    });
    await waitFor('redis-server', () => this.ping());
    return this;
  }

  /** A client for assertions on Redis state (as the `default` user); the caller quits it. */
  client(): Redis {
    return new Redis({ ...this.connectionOptions(), lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  private listenArgs(): string[] {
    const { tls } = this.options;
    if (!tls) return ['--port', String(this.port)];
    return [
      ...['--port', '0', '--tls-port', String(this.port)],
      ...['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile],
      ...['--tls-auth-clients', 'no'],
    ];
  }

  private connectionOptions(): RedisOptions {
    const { password, tls } = this.options;
    return {
      port: this.port,
      host: '127.0.0.1',
      password,
      tls: tls ? { ca: readFileSync(tls.caFile) } : undefined,
    };
  }

  /** Stops the server and deletes its data. */
  async stop(): Promise<void> {
    await this.halt('SIGKILL');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** kill -9: the server dies at once, without writing anything more (its data directory is kept). */
  async crash(): Promise<void> {
    await this.halt('SIGKILL');
  }

  /** The server process id while it runs. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** A Redis outage: SIGTERM (Redis writes its append-only file first) keeps the data for `start()`. */
  async shutdownKeepingData(): Promise<void> {
    await this.halt('SIGTERM');
  }

  private async halt(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
  }

  private async ping(): Promise<boolean> {
    const client = new Redis({
      ...this.connectionOptions(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // connect() rejects while Redis is still starting; without a listener ioredis also prints the error.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }
}
