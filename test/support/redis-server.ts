import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';

import { freePort } from './free-port';
import { waitFor } from './wait-for';

/** A real redis-server on a free port, configured as production requires (AOF, noeviction). */
export class RedisServer {
  private process: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'gridllm-redis-'));
  port = 0;

  /** Starts, or restarts on the same port (after `stop()` its data directory is recreated empty). */
  async start(): Promise<this> {
    this.port = this.port || (await freePort());
    mkdirSync(this.dir, { recursive: true });
    this.process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
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

  /** A client for assertions on Redis state; the caller quits it. */
  client(): Redis {
    return new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  /** Stops the server and deletes its data. */
  async stop(): Promise<void> {
    await this.halt('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
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
      port: this.port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }
}
