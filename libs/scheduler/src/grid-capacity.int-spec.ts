import Redis from 'ioredis';

import { parseGridConfig } from '@gridllm/config';
import { CapacityExceededError, InferenceJobData } from '@gridllm/contracts';

import { specRedis } from '../../../test/support/spec-redis';
import { GridCapacity } from './grid-capacity';
import { QueueRegistry } from './queue-registry';

/** Redis commands executed since the last RESETSTAT (INFO commandstats), the INFO and CONFIG calls left out. */
async function commandsSince(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  return [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)]
    .filter(([, name]) => name !== 'info' && name !== 'config')
    .reduce((sum, [, , count]) => sum + Number(count), 0);
}

/** The counts read only the queues' lists, never a job's data. */
const ANY_JOB = {} as InferenceJobData;

describe(GridCapacity.name, () => {
  const redis = specRedis('cap');
  let queues: QueueRegistry;

  afterEach(() => queues.onApplicationShutdown());

  function capacity(env: Record<string, string>): GridCapacity {
    queues = new QueueRegistry(redis.factory, redis.settings);
    return new GridCapacity(queues, redis.newClient(), parseGridConfig(env).queue);
  }

  /** Ten models the grid has served, each with one job waiting. */
  async function tenModels(): Promise<void> {
    for (let n = 0; n < 10; n++) {
      const model = `m${n}:latest`;
      await redis.admin.sadd('cap:models', model);
      await queues.forModel(model).add('generate', ANY_JOB, { priority: 2 });
    }
  }

  it('counts only the model’s own queue again while the grid is far from MAX_CONCURRENT_JOBS', async () => {
    const sut = capacity({ MAX_CONCURRENT_JOBS: '1000' });
    await tenModels();
    await sut.ensureRoom('m0:latest');
    await redis.admin.config('RESETSTAT');
    await sut.ensureRoom('m0:latest');
    expect(await commandsSince(redis.admin)).toBe(4);
  });

  it('counts every queue afresh near the limit, so the limit stays exact', async () => {
    const sut = capacity({ MAX_CONCURRENT_JOBS: '11' });
    await tenModels();
    await sut.ensureRoom('m0:latest');
    await queues.forModel('m9:latest').add('generate', ANY_JOB, { priority: 2 });
    await expect(sut.ensureRoom('m0:latest')).rejects.toThrow(CapacityExceededError);
  });

  describe('the enqueue script’s count of the model’s own queue', () => {
    const MODEL = 'm0:latest';
    /** Whether each of `jobs` enqueues in a row, far from the limits, asks the script to count. */
    function asks(sut: GridCapacity, jobs: number): boolean[] {
      return Array.from({ length: jobs }, () => {
        const countQueue = sut.openAllowance(MODEL)?.countQueue ?? true;
        sut.admitted(MODEL, true, countQueue ? { waiting: 1, open: 1 } : undefined);
        return countQueue;
      });
    }

    async function counted(env: Record<string, string> = {}): Promise<GridCapacity> {
      const sut = capacity(env);
      await sut.ensureRoom(MODEL); // the other queues' count, which the script's checks rely on
      return sut;
    }

    it('is asked for once every eight jobs while the queue is far from its limits', async () => {
      const sut = await counted();
      expect(asks(sut, 17)).toEqual([true, ...Array(7).fill(false), true, ...Array(7).fill(false), true]);
    });

    it('is asked for on every job near MAX_QUEUE_PER_MODEL, and near the open jobs allowed', async () => {
      // 20 waiting at most: within 8 of it counts as near.
      const sut = await counted({ MAX_QUEUE_PER_MODEL: '20' });
      sut.admitted(MODEL, true, { waiting: 10, open: 10 });
      expect(sut.openAllowance(MODEL)?.countQueue).toBe(false); // 11 after this job: far
      sut.admitted(MODEL, true, undefined);
      expect(sut.openAllowance(MODEL)?.countQueue).toBe(true); // 12: near
      // 90 open at most (100 less the grid's margin of 10): within 9 of it counts as near.
      const open = await counted({ MAX_CONCURRENT_JOBS: '100' });
      expect(open.openAllowance(MODEL)?.maxOpen).toBe(90);
      open.admitted(MODEL, true, { waiting: 0, open: 80 });
      expect(open.openAllowance(MODEL)?.countQueue).toBe(true); // 81 after this job: near
      open.admitted(MODEL, true, { waiting: 0, open: 79 });
      expect(open.openAllowance(MODEL)?.countQueue).toBe(false); // 80: far
    });

    it('is asked for again once the last count is stale, or after a job was not stored', async () => {
      const sut = await counted();
      expect(asks(sut, 2)).toEqual([true, false]);
      sut.admitted(MODEL, false, undefined);
      expect(asks(sut, 2)).toEqual([true, false]);
      const clock = jest.spyOn(Date, 'now');
      try {
        const start = Date.now();
        clock.mockReturnValue(start);
        sut.admitted(MODEL, true, { waiting: 1, open: 1 });
        clock.mockReturnValue(start + 255);
        await sut.ensureRoom(MODEL); // the other queues counted again: only the room is stale below
        clock.mockReturnValue(start + 260);
        expect(sut.openAllowance(MODEL)?.countQueue).toBe(true);
      } finally {
        clock.mockRestore();
      }
    });
  });
});
