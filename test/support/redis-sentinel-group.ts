import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port';
import { RedisServer } from './redis-server';
import { redisOnce } from './redis-once';
import { waitFor } from './wait-for';

export interface SentinelGroupOptions {
  /** Master name the sentinels monitor. */
  name?: string;
  /** `sentinel down-after-milliseconds` (Redis's default is 30000). */
  downAfterMs?: number;
  /** `sentinel failover-timeout` (Redis's default is 180000). */
  failoverTimeoutMs?: number;
  /** `min-replicas-to-write` on every server (0: off, Redis's default). */
  minReplicasToWrite?: number;
  /** Replicas of the master (default 1). */
  replicas?: number;
}

/**
 * A Sentinel group on loopback, as in production: a master, its replicas and three `redis-server
 * --sentinel` processes with a quorum of 2. `crashMaster()` is the kill -9 a failover test needs.
 */
export class RedisSentinelGroup {
  readonly name: string;
  /** Every data server; the first starts as the master. */
  readonly servers: RedisServer[];
  private readonly sentinels: Array<{ port: number; process: ChildProcess | null }> = [];
  private dir = '';

  constructor(private readonly options: SentinelGroupOptions = {}) {
    this.name = options.name ?? 'gridllm';
    const safety = [
      '--min-replicas-to-write',
      String(options.minReplicasToWrite ?? 0),
      '--min-replicas-max-lag',
      '10',
    ];
    this.servers = Array.from(
      { length: 1 + (options.replicas ?? 1) },
      () => new RedisServer({ extraArgs: safety }),
    );
  }

  async start(): Promise<this> {
    const [master, ...replicas] = this.servers;
    for (const server of this.servers) await server.start();
    for (const replica of replicas) {
      await redisOnce(replica.port, ['REPLICAOF', '127.0.0.1', String(master.port)]);
      await waitFor('replica in sync', async () =>
        (await this.info(replica.port)).includes('master_link_status:up'),
      );
    }
    this.dir = mkdtempSync(join(tmpdir(), 'gridllm-sentinel-'));
    for (let n = 0; n < 3; n++) this.sentinels.push(await this.startSentinel(n));
    await waitFor('sentinels see each other and the replica', () => this.sentinelsReady());
    return this;
  }

  /** Environment for the apps: every connection asks these sentinels for the master. */
  env(): Record<string, string> {
    return {
      REDIS_SENTINELS: this.sentinels.map(({ port }) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_NAME: this.name,
    };
  }

  /** kill -9 of whichever server is the master now. */
  async crashMaster(): Promise<void> {
    const port = await this.masterPort();
    const doomed = this.servers.find((server) => server.port === port);
    if (!doomed) throw new Error(`no server of this group is the master (sentinels name port ${port})`);
    await doomed.crash();
  }

  /** The master's port as the first sentinel sees it. */
  async masterPort(): Promise<number> {
    const reply = (await redisOnce(this.sentinels[0].port, [
      'SENTINEL',
      'get-master-addr-by-name',
      this.name,
    ])) as [string, string] | null;
    return Number(reply?.[1] ?? 0);
  }

  async stop(): Promise<void> {
    for (const sentinel of this.sentinels) {
      const child = sentinel.process;
      sentinel.process = null;
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    for (const server of this.servers) await server.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private async startSentinel(n: number): Promise<{ port: number; process: ChildProcess }> {
    const port = await freePort();
    const file = join(this.dir, `sentinel-${n}.conf`);
    // Sentinel rewrites its config file (it records the group it learns), so each gets a writable one.
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${this.name} 127.0.0.1 ${this.servers[0].port} 2`,
        `sentinel down-after-milliseconds ${this.name} ${this.options.downAfterMs ?? 30000}`,
        `sentinel failover-timeout ${this.name} ${this.options.failoverTimeoutMs ?? 180000}`,
        `sentinel parallel-syncs ${this.name} 1`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
    await waitFor(`sentinel on ${port}`, async () => (await redisOnce(port, ['PING'])) === 'PONG');
    return { port, process: child };
  }

  private async sentinelsReady(): Promise<boolean> {
    for (const { port } of this.sentinels) {
      const fields = (await redisOnce(port, ['SENTINEL', 'master', this.name])) as string[];
      const value = (field: string) => Number(fields[fields.indexOf(field) + 1]);
      if (value('num-other-sentinels') < 2 || value('num-slaves') < this.servers.length - 1) return false;
    }
    return true;
  }

  private info(port: number): Promise<string> {
    return redisOnce(port, ['INFO', 'replication']) as Promise<string>;
  }
}
