import { parseGridConfig } from '@gridllm/config';

import { specRedis } from '../../../test/support/spec-redis';
import { AffinityStore } from './affinity/affinity-store';
import { AvailabilityBoard } from './availability-board';
import { JobSource } from './job-source';

/** The models a worker takes jobs for, as its heartbeat's refresh and its engine circuit set them. */
describe('JobSource models', () => {
  const redis = specRedis('src');
  const sources: JobSource[] = [];

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((source) => source.onApplicationShutdown()));
  });

  function source(): JobSource {
    const config = parseGridConfig({ WORKER_ID: 'w1' });
    const client = redis.newClient();
    const created = new JobSource(
      redis.factory,
      client,
      new AvailabilityBoard(client),
      redis.settings,
      config.queue,
      config.worker,
      new AffinityStore(client),
    );
    sources.push(created);
    return created;
  }

  it('serves the models of the last call', async () => {
    const sut = source();
    await sut.setModels(['b:latest', 'a:latest', 'a:latest']);
    await sut.setModels(['c:latest', 'a:latest']);

    expect(sut.models).toEqual(['a:latest', 'c:latest']);
  });

  it('keeps the intake shut when the engine fails while a refresh opens a new model', async () => {
    const sut = source();
    await sut.setModels(['a:latest']);
    // The refresh found a new model and opens its queue's consumer; meanwhile a job finds the engine
    // unreachable and shuts the intake (the circuit opens): the refresh must not open it again.
    const refresh = sut.setModels(['a:latest', 'b:latest'], { finishAdmitted: true });
    await sut.setModels([]);
    await refresh;

    expect(sut.models).toEqual([]);
  });
});
