import { parseGridConfig } from '@gridllm/config';
import { WorkerInfo } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import Redis from 'ioredis';

import { RedisServer } from '../../../test/support/redis-server';
import { AvailabilityBoard } from './availability-board';
import { PLACEMENT_CLASSES } from './placement-policy';

function worker(id: string): WorkerInfo {
  return {
    id,
    status: 'ready',
    engine: 'ollama',
    models: [
      {
        name: 'm:latest',
        model: 'm:latest',
        modified_at: '2026-01-01T00:00:00Z',
        size: 1,
        digest: 'd',
        details: {},
      },
    ],
    loadedModels: [],
    hardware: { cpuCores: 1, cpuModel: 'x', memoryTotalBytes: 1, memoryFreeBytes: 1, gpus: [] },
    tier: 'low',
    slots: 1,
    runningJobs: 0,
    heartbeatIntervalMs: 60_000,
    startedAt: 0,
    lastHeartbeatAt: 0,
  };
}

/** Redis commands the server executed since the last reset (INFO commandstats), minus the INFO itself. */
async function commandsSince(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  const calls = [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].filter(
    ([, name]) => name !== 'info' && name !== 'config',
  );
  return calls.reduce((sum, [, , count]) => sum + Number(count), 0);
}

describe('placement cost', () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let admin: Redis;
  let registry: WorkerRegistry;
  let board: AvailabilityBoard;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'cost' });
    factory = new RedisConnectionFactory(config.redis);
    const client = new RedisClient(factory, config.redis);
    registry = new WorkerRegistry(client);
    board = new AvailabilityBoard(client);
    admin = server.client();
    await client.redis.ping();
  });

  afterAll(async () => {
    admin.disconnect();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  /** Registers workers up to `count`, then measures one gateway decision and one worker gate decision. */
  async function measure(count: number, already: number): Promise<{ commands: number; ms: number }> {
    for (let n = already; n < count; n++) {
      await registry.publish(worker(`w${n}`));
      // Every worker is in the worst class: a better-class check looks at every other class and finds nobody free.
      await board.publish(
        `w${n}`,
        [{ model: 'm:latest', placementClass: PLACEMENT_CLASSES - 1, freeSlots: 1 }],
        60_000,
      );
    }
    await admin.config('RESETSTAT');
    const started = process.hrtime.bigint();
    expect(await registry.availability('m:latest')).toBe('served');
    expect(await board.betterWorkerFree('m:latest', PLACEMENT_CLASSES - 1)).toBe(false);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { commands: await commandsSince(admin), ms };
  }

  it('takes the same number of Redis commands with 10 and with 1,000 workers', async () => {
    const ten = await measure(10, 0);
    const thousand = await measure(1000, 10);
    process.stdout.write(
      `placement: 10 workers ${ten.commands} commands ${ten.ms.toFixed(2)} ms; 1000 workers ${thousand.commands} commands ${thousand.ms.toFixed(2)} ms\n`,
    );
    expect(thousand.commands).toBe(ten.commands);
    expect(thousand.ms).toBeLessThan(50);
  });
});
