import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';

import { INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';
import { SlotLoop } from '../jobs/slot-loop.service';
import { HeartbeatService } from './heartbeat.service';

/** Start-up and graceful shutdown in the right order: register → take jobs; stop advertising → drain → deregister. */
@Injectable()
export class WorkerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerLifecycle.name);

  constructor(
    private readonly heartbeat: HeartbeatService,
    private readonly slots: SlotLoop,
    @Inject(INFERENCE_ENGINE) private readonly engine: InferenceEngine,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.start();
    this.slots.start();
    this.logger.log(
      `worker ${this.worker.workerId} taking jobs (${this.worker.slots} slots, engine ${this.engine.name})`,
    );
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`${signal ?? 'shutdown'}: draining ${this.slots.runningJobs} running job(s)`);
    await this.heartbeat.startDraining();
    await this.slots.drain(this.worker.drainTimeoutMs);
    await this.heartbeat.stop();
  }
}
