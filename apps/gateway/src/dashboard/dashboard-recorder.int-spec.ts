import { ConfigType } from '@nestjs/config';
import { Queue } from 'bullmq';

import { gatewayConfig } from '@gridllm/config';
import { WorkerRegistry } from '@gridllm/registry';
import { JobSchedulerService, QueueRegistry, queueNameFor } from '@gridllm/scheduler';

import { specRedis } from '../../../../test/support/spec-redis';
import type { LiveGrid } from './dashboard-frame';
import { DashboardRecorder, FINISHED_KEPT } from './dashboard-recorder.service';
import { GridSampler } from './grid-sampler';

const PREFIX = 'dash';
const T0 = Date.now();

describe(DashboardRecorder.name, () => {
  const redis = specRedis(PREFIX);
  let queue: Queue;
  const recorders: DashboardRecorder[] = [];

  /** A gateway's recorder: its own connection to the same Redis, fakes for the fleet and the model list. */
  const gateway = (serverId: string) => {
    const client = redis.newClient();
    const queues = { forModel: () => queue } as unknown as QueueRegistry;
    const registry = { liveWorkers: async () => [] } as unknown as WorkerRegistry;
    const scheduler = { knownModels: async () => ['m:latest'] } as unknown as JobSchedulerService;
    const settings = { serverId } as ConfigType<typeof gatewayConfig>;
    const sut = new DashboardRecorder(client, new GridSampler(client, queues), registry, scheduler, settings);
    recorders.push(sut);
    return sut;
  };

  beforeAll(() => {
    queue = new Queue(queueNameFor('m:latest', false), {
      connection: { port: redis.admin.options.port },
      prefix: PREFIX,
    });
  });

  afterAll(async () => {
    recorders.forEach((recorder) => recorder.onApplicationShutdown());
    await queue.close();
  });

  describe('tick', () => {
    it('records once per second for the whole grid however many gateways tick', async () => {
      const [a, b] = [gateway('gw-a'), gateway('gw-b')];
      for (let second = 0; second < 3; second++) {
        await a.tick(T0 + second * 1000);
        await b.tick(T0 + second * 1000);
      }
      expect(await redis.admin.xlen(`${PREFIX}:dashboard:series`)).toBe(3);
      expect(await redis.admin.get(`${PREFIX}:dashboard:recorder`)).toBe('gw-a');
      const live = JSON.parse((await redis.admin.get(`${PREFIX}:dashboard:live`)) ?? '{}') as LiveGrid;
      expect(live.at).toBe(T0 + 2000);
    });

    it('hands recording to another gateway when the holder’s lease lapses', async () => {
      const [a, b] = [gateway('gw-a'), gateway('gw-b')];
      await a.tick(T0);
      await b.tick(T0);
      await redis.admin.del(`${PREFIX}:dashboard:recorder`); // gw-a died: its lease expired
      await b.tick(T0 + 1000);
      await a.tick(T0 + 1000);
      expect(await redis.admin.get(`${PREFIX}:dashboard:recorder`)).toBe('gw-b');
      expect(await redis.admin.xlen(`${PREFIX}:dashboard:series`)).toBe(2);
    });

    it('reports the jobs waiting per priority and counts them in the series', async () => {
      await queue.add('generate', { id: 'j1', submittedAt: T0 }, { jobId: 'j1', priority: 3 });
      await queue.add('generate', { id: 'j2', submittedAt: T0 }, { jobId: 'j2', priority: 3 });
      await gateway('gw-a').tick(T0);
      const live = JSON.parse((await redis.admin.get(`${PREFIX}:dashboard:live`)) ?? '{}') as LiveGrid;
      expect(live.queues.map((row) => [row.priority, row.depth])).toEqual([
        ['high', 0],
        ['medium', 0],
        ['low', 2],
      ]);
      expect(live.queues[2].oldestQueuedAt).toBeGreaterThan(0);
      const [[, fields]] = await redis.admin.xrange(`${PREFIX}:dashboard:series`, '-', '+');
      expect(JSON.parse(fields[1])).toMatchObject({ queued: 2 });
    });

    it('names the worker that ran a failed job last, from its record, not the first attempt in its stream', async () => {
      const id = 'f1';
      await queue.add('generate', { id, kind: 'generate', submittedAt: T0 - 500 }, { jobId: id });
      await redis.admin.hset(
        queue.toKey(id),
        'pb',
        'w2',
        'finishedOn',
        T0 - 100,
        'failedReason',
        'engine error',
      );
      await redis.admin.zrem(queue.keys.prioritized, id);
      await redis.admin.zadd(queue.keys.failed, T0 - 100, id);
      const stream = `${PREFIX}:job-stream:${id}`;
      await redis.admin.xadd(stream, '1-0', 't', 'started', 'd', 'w1');
      await redis.admin.xadd(stream, '2-0', 't', 'started', 'd', 'w2');
      await redis.admin.xadd(stream, '2-1', 't', 'error', 'd', '{"error":"engine error","status":502}');

      await gateway('gw-a').tick(T0);

      const [listed] = await redis.admin.lrange(`${PREFIX}:dashboard:finished`, 0, -1);
      expect(JSON.parse(listed)).toMatchObject({ id, outcome: 'failed', status: 502, workerId: 'w2' });
    });

    it("lists completed jobs from their summary, or from the whole result of an older worker's job", async () => {
      const summary = { workerId: 'w1', eval_count: 12, load_duration: 3e6, prompt_eval_duration: 2e6 };
      const result = { workerId: 'w2', response: { done: true, eval_count: 9, load_duration: 1e6 } };
      for (const [id, fields] of [
        ['summed', ['gridllm-summary', JSON.stringify(summary)]],
        ['older', ['returnvalue', JSON.stringify(result)]],
      ] as const) {
        await queue.add('generate', { id, kind: 'generate', submittedAt: T0 - 500 }, { jobId: id });
        await redis.admin.hset(queue.toKey(id), 'processedOn', T0 - 400, 'finishedOn', T0 - 100, ...fields);
        await redis.admin.zrem(queue.keys.prioritized, id);
        await redis.admin.zadd(queue.keys.completed, T0 - 100, id);
      }

      await gateway('gw-a').tick(T0);

      const listed = (await redis.admin.lrange(`${PREFIX}:dashboard:finished`, 0, -1)).map(
        (line) => JSON.parse(line) as Record<string, unknown>,
      );
      expect(listed).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: 'summed',
            outcome: 'completed',
            workerId: 'w1',
            tokens: 12,
            ttftMs: 105,
          }),
          expect.objectContaining({
            id: 'older',
            outcome: 'completed',
            workerId: 'w2',
            tokens: 9,
            ttftMs: 101,
          }),
        ]),
      );
    });

    it('counts every job of a busy second, and lists the newest FINISHED_KEPT, newest first', async () => {
      // More jobs than one read batch and than the list keeps, all finished in the second before the tick.
      const count = FINISHED_KEPT + 20;
      const ids = Array.from({ length: count }, (_, n) => `busy-${n}`);
      await queue.addBulk(
        ids.map((id) => ({
          name: 'generate',
          data: { id, kind: 'generate', submittedAt: T0 - 900 },
          opts: { jobId: id },
        })),
      );
      const summary = JSON.stringify({ workerId: 'w1', eval_count: 2 });
      const finish = redis.admin.multi();
      ids.forEach((id, n) => {
        const at = T0 - 800 + n;
        finish.hset(queue.toKey(id), 'processedOn', at - 10, 'finishedOn', at, 'gridllm-summary', summary);
        finish.zrem(queue.keys.prioritized, id).zadd(queue.keys.completed, at, id);
      });
      await finish.exec();

      await gateway('gw-a').tick(T0);

      const [[, fields]] = await redis.admin.xrange(`${PREFIX}:dashboard:series`, '-', '+');
      expect(JSON.parse(fields[1])).toMatchObject({ requests: count, tokens: 2 * count });
      const listed = (await redis.admin.lrange(`${PREFIX}:dashboard:finished`, 0, -1)).map(
        (line) => (JSON.parse(line) as { id: string }).id,
      );
      expect(listed).toEqual(ids.slice(-FINISHED_KEPT).reverse());
    });

    it('lists running jobs with the lines their streams hold, updated every tick', async () => {
      // Two jobs a worker took (BullMQ's active list, `pb` as its take writes it), one of which has streamed.
      for (const id of ['r1', 'r2']) {
        await queue.add('generate', { id, kind: 'generate', submittedAt: T0 }, { jobId: id, priority: 2 });
        await redis.admin.hset(queue.toKey(id), 'pb', 'w1', 'processedOn', T0 + 5);
        await redis.admin.lpush(queue.keys.active, id);
      }
      const stream = (id: string) => `${PREFIX}:job-stream:${id}`;
      await redis.admin.xadd(stream('r1'), '1-0', 't', 'started', 'd', 'w1');
      await redis.admin.xadd(stream('r1'), '1-3', 't', 'chunk', 'd', '{}');
      const sut = gateway('gw-a');
      const running = async () =>
        (JSON.parse((await redis.admin.get(`${PREFIX}:dashboard:live`)) ?? '{}') as LiveGrid).running;

      await sut.tick(T0);
      expect(await running()).toEqual([
        expect.objectContaining({ id: 'r2', workerId: 'w1', tokens: 0, startedAt: T0 + 5 }),
        expect.objectContaining({ id: 'r1', workerId: 'w1', tokens: 3, startedAt: T0 + 5 }),
      ]);
      await redis.admin.xadd(stream('r1'), '1-7', 't', 'chunk', 'd', '{}');
      await redis.admin.xadd(stream('r2'), '1-1', 't', 'chunk', 'd', '{}');
      await sut.tick(T0 + 1000);
      expect((await running()).map((job) => [job.id, job.tokens])).toEqual([
        ['r2', 1],
        ['r1', 7],
      ]);
    });
  });
});
