import { Module } from '@nestjs/common';

import { GridConfigModule } from '@gridllm/config';
import { RedisModule } from '@gridllm/redis';
import { RegistryModule } from '@gridllm/registry';
import { JobSourceModule } from '@gridllm/scheduler';
import { StreamingModule } from '@gridllm/streaming';

import { CapabilitiesService } from './capabilities/capabilities.service';
import { HardwareProbe } from './capabilities/hardware.probe';
import { INFERENCE_ENGINE } from './engines/inference-engine';
import { OllamaEngine } from './engines/ollama.engine';
import { HealthController } from './health/health.controller';
import { CancelListener } from './jobs/cancel-listener.service';
import { JobHandlers } from './jobs/job-handlers';
import { JobRunner } from './jobs/job-runner.service';
import { SlotLoop } from './jobs/slot-loop.service';
import { HeartbeatService } from './registration/heartbeat.service';
import { WorkerLifecycle } from './registration/worker-lifecycle.service';

@Module({
  imports: [GridConfigModule.forRoot(), RedisModule, RegistryModule, StreamingModule, JobSourceModule],
  controllers: [HealthController],
  providers: [
    { provide: INFERENCE_ENGINE, useClass: OllamaEngine },
    HardwareProbe,
    CapabilitiesService,
    JobHandlers,
    JobRunner,
    CancelListener,
    SlotLoop,
    HeartbeatService,
    WorkerLifecycle,
  ],
})
export class WorkerModule {}
