import { Module } from '@nestjs/common';

import { AccessModule } from '@gridllm/access';
import { GridConfigModule } from '@gridllm/config';
import { LoggingModule } from '@gridllm/logging';
import { HealthModule } from '@gridllm/observability';
import { RedisModule } from '@gridllm/redis';
import { RegistryModule } from '@gridllm/registry';
import { JobSourceModule } from '@gridllm/scheduler';
import { StreamingModule } from '@gridllm/streaming';

import { ControlListener } from './control/control-listener.service';
import { CapabilitiesService } from './capabilities/capabilities.service';
import { DecodeSpeed } from './capabilities/decode-speed';
import { HardwareProbe } from './capabilities/hardware.probe';
import { engineProvider } from './engines/engine.provider';
import { ChatWrapperResolver } from './engines/llama-cpp/chat-wrapper-resolver';
import { GgufCatalog } from './engines/llama-cpp/gguf-catalog';
import { GgufMetadataReader } from './engines/llama-cpp/gguf-metadata.reader';
import { LlamaCppEngine } from './engines/llama-cpp/llama-cpp.engine';
import { LlamaRuntime } from './engines/llama-cpp/llama-runtime';
import { ModelPool } from './engines/llama-cpp/model-pool';
import { OllamaEngine } from './engines/ollama.engine';
import { EngineHealthIndicator } from './health/engine-health.indicator';
import { HealthController } from './health/health.controller';
import { WorkerHealth } from './health/worker-health.service';
import { CancelListener } from './jobs/cancel-listener.service';
import { JobHandlers } from './jobs/job-handlers';
import { JobRunner } from './jobs/job-runner.service';
import { OwnerAccounting } from './jobs/owner-accounting';
import { RunGuard } from './jobs/run-guard';
import { SlotLoop } from './jobs/slot-loop.service';
import { WarmAhead } from './jobs/warm-ahead.service';
import { WorkerMetricsModule } from './metrics/worker-metrics.module';
import { WorkerStateMetrics } from './metrics/worker-state.metrics';
import { HeartbeatService } from './registration/heartbeat.service';
import { WorkerAdmission } from './registration/worker-admission.service';
import { WorkerLifecycle } from './registration/worker-lifecycle.service';

@Module({
  imports: [
    GridConfigModule.forRoot(),
    LoggingModule.forRoot('worker'),
    RedisModule,
    RegistryModule,
    StreamingModule,
    JobSourceModule,
    AccessModule,
    HealthModule,
    WorkerMetricsModule,
  ],
  controllers: [HealthController],
  providers: [
    OllamaEngine,
    LlamaRuntime,
    GgufMetadataReader,
    GgufCatalog,
    ModelPool,
    ChatWrapperResolver,
    LlamaCppEngine,
    engineProvider,
    HardwareProbe,
    DecodeSpeed,
    CapabilitiesService,
    JobHandlers,
    JobRunner,
    RunGuard,
    OwnerAccounting,
    CancelListener,
    SlotLoop,
    HeartbeatService,
    WarmAhead,
    WorkerLifecycle,
    WorkerAdmission,
    ControlListener,
    EngineHealthIndicator,
    WorkerHealth,
    WorkerStateMetrics,
  ],
})
export class WorkerModule {}
