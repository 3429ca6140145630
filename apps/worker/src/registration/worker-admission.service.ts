import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { isRedisUnavailable } from '@gridllm/redis';
import { WorkerTokenCheck } from '@gridllm/registry';

/**
 * The worker's gate at boot, before it registers or takes a job: a grid whose token differs (or that
 * requires one this worker lacks) refuses it; a grid whose token no gateway has set yet keeps it waiting.
 */
@Injectable()
export class WorkerAdmission {
  private readonly logger = new Logger(WorkerAdmission.name);

  constructor(
    private readonly check: WorkerTokenCheck,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  /** Resolves once the worker may join; throws GridAccessError when it may not. Re-checks every heartbeat interval. */
  async admit(): Promise<void> {
    const told = new Set<string>();
    const tellOnce = (message: string) => {
      if (!told.has(message)) this.logger.warn(message);
      told.add(message);
    };
    for (;;) {
      try {
        if ((await this.check.admission()) === 'admitted') return;
        tellOnce(
          "WORKER_TOKEN is set but no gateway has established this grid's token yet: waiting, registering and taking nothing",
        );
      } catch (error) {
        if (!isRedisUnavailable(error)) throw error;
        // Redis down at boot: wait for it, as the worker always has.
        tellOnce(`cannot check WORKER_TOKEN yet (${(error as Error).message}); retrying`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.queue.heartbeatIntervalMs));
    }
  }
}
