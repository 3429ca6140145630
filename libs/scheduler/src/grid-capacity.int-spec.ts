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
});
