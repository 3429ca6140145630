import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { Cluster } from 'ioredis';

import { RedisServer } from './redis-server';
import { redisOnce } from './redis-once';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/**
 * A Redis Cluster on loopback, as in production: six `redis-server --cluster-enabled yes` processes
 * joined by `redis-cli --cluster create … --cluster-replicas 1` (three masters, one replica each).
 */
export class RedisClusterUnderTest {
  readonly nodes = Array.from(
    { length: 6 },
    () =>
      new RedisServer({
        extraArgs: ['--cluster-enabled', 'yes', '--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
      }),
  );

  async start(): Promise<this> {
    for (const node of this.nodes) await node.start();
    const addresses = this.nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes']);
    await waitFor(
      'cluster state ok on every node',
      async () => {
        const states = await Promise.all(this.nodes.map((node) => this.clusterInfo(node.port)));
        return states.every((info) => info.includes('cluster_state:ok'));
      },
      30_000,
    );
    return this;
  }

  /** Environment for the apps: three seed nodes, the rest is discovered. */
  env(): Record<string, string> {
    return {
      REDIS_CLUSTER_NODES: this.nodes
        .slice(0, 3)
        .map((node) => `127.0.0.1:${node.port}`)
        .join(','),
    };
  }

  /** A cluster client for assertions; the caller quits it. */
  client(): Cluster {
    return new Cluster(this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  }

  /** Ports of the nodes that are masters now. */
  async masters(): Promise<number[]> {
    const roles = await Promise.all(
      this.nodes.map(
        async (node) => ((await redisOnce(node.port, ['ROLE']).catch(() => null)) as string[] | null)?.[0],
      ),
    );
    return this.nodes.filter((_, index) => roles[index] === 'master').map((node) => node.port);
  }

  /** kill -9 of the master that serves `slot`; returns its port. */
  async crashMasterOf(slot: number): Promise<number> {
    const client = this.client();
    try {
      const slots = await client.cluster('SLOTS');
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      const port = Number(range?.[2]?.[1]);
      const node = this.nodes.find((candidate) => candidate.port === port);
      if (!node) throw new Error(`no node serves slot ${slot}`);
      await node.crash();
      return port;
    } finally {
      client.disconnect();
    }
  }

  /** `redis-cli --cluster info`: keys and slots per master, as an operator would look. */
  async info(): Promise<string> {
    const live = await this.masters();
    const { stdout } = await run('redis-cli', ['--cluster', 'info', `127.0.0.1:${live[0]}`]);
    return stdout;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await node.stop();
  }

  private clusterInfo(port: number): Promise<string> {
    return redisOnce(port, ['CLUSTER', 'INFO']) as Promise<string>;
  }
}

/** `cluster-node-timeout` of the test cluster (Redis's default is 15000 ms): reported in docs/deployment.md. */
export const NODE_TIMEOUT_MS = 2000;
