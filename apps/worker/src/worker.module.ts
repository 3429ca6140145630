import { Module } from '@nestjs/common';

import { GridConfigModule } from '@gridllm/config';
import { RedisModule } from '@gridllm/redis';
import { RegistryModule } from '@gridllm/registry';
import { JobSourceModule } from '@gridllm/scheduler';
import { StreamingModule } from '@gridllm/streaming';

import { CapabilitiesService } from './capabilities/capabilities.service';
import { HardwareProbe } from './capabilities/hardware.probe';
import { engineProvider } from './engines/engine.provider';
import { GgufCatalog } from './engines/llama-cpp/gguf-catalog';
import { GgufMetadataReader } from './engines/llama-cpp/gguf-metadata.reader';
import { LlamaCppEngine } from './engines/llama-cpp/llama-cpp.engine';
import { LlamaRuntime } from './engines/llama-cpp/llama-runtime';
import { ModelPool } from './engines/llama-cpp/model-pool';
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
    OllamaEngine,
    LlamaRuntime,
    GgufMetadataReader,
    GgufCatalog,
    ModelPool,
    LlamaCppEngine,
    engineProvider,
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
