import { OwnerJobs, UsageLedger } from '@gridllm/access';
import { GridConfig } from '@gridllm/config';
import { RedisClient, RedisConnectionFactory, ReplicaAck } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import { LoopPacer, TokenStreamWriter } from '@gridllm/streaming';

import { AffinityPlanner } from './affinity/affinity-planner';
import { AffinityStore } from './affinity/affinity-store';
import { AvailabilityBoard } from './availability-board';
import { FairShare } from './fair-share';
import { GridCapacity } from './grid-capacity';
import { JobPayloadSeal } from './job-payload-seal';
import { JobSchedulerService } from './job-scheduler.service';
import { OwnerLimits } from './owner-limits';
import { QueueRegistry } from './queue-registry';

/** For integration specs: a JobSchedulerService wired as the gateway wires it, on the given Redis and registry. */
export function jobSchedulerFor(parts: {
  queues: QueueRegistry;
  registry: WorkerRegistry;
  client: RedisClient;
  factory: RedisConnectionFactory;
  config: GridConfig;
}): JobSchedulerService {
  const { queues, registry, client, factory, config } = parts;
  return new JobSchedulerService(
    queues,
    registry,
    client,
    new TokenStreamWriter(client, factory, new LoopPacer(), config.queue),
    new GridCapacity(queues, client, config.queue),
    new OwnerLimits(new UsageLedger(client), new OwnerJobs(client)),
    new JobPayloadSeal(config.security),
    new ReplicaAck(config.redis),
    new FairShare(config.queue, config.security),
    config.queue,
    config.gateway,
    new AffinityPlanner(new AffinityStore(client), config.queue, registry, new AvailabilityBoard(client)),
  );
}
