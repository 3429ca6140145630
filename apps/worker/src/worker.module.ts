import { Module } from '@nestjs/common';

import { AccessModule } from '@gridllm/access';
import { GridConfigModule } from '@gridllm/config';
import { LoggingModule } from '@gridllm/logging';
import { HealthModule } from '@gridllm/observability';
import { RedisModule } from '@gridllm/redis';
import { RegistryModule } from '@gridllm/registry';
import { JobSourceModule } from '@gridllm/scheduler';
import { StreamingModule } from '@gridllm/streaming';

import { BlobFetcher } from './blobs/blob-fetcher';
import { ControlListener } from './control/control-listener.service';
import { CapabilitiesService } from './capabilities/capabilities.service';
import { DecodeSpeed } from './capabilities/decode-speed';
import { HardwareProbe } from './capabilities/hardware.probe';
import { LoadedModelsPublisher } from './capabilities/loaded-models.publisher';
import { engineProvider } from './engines/engine.provider';
import { ChatWrapperResolver } from './engines/llama-cpp/chat-wrapper-resolver';
import { GgufModelWriter } from './engines/llama-cpp/gguf-model-writer';
import { GgufCatalog } from './engines/llama-cpp/gguf-catalog';
import { GgufMetadataReader } from './engines/llama-cpp/gguf-metadata.reader';
import { LlamaCppEngine } from './engines/llama-cpp/llama-cpp.engine';
import { LlamaRuntime } from './engines/llama-cpp/llama-runtime';
import { ModelPool } from './engines/llama-cpp/model-pool';
import { OllamaEngine } from './engines/ollama.engine';
import { OpenAiEngine } from './engines/openai/openai.engine';
import { OpenAiHttp } from './engines/openai/openai-http';
import { CircuitCanary } from './deep-health/circuit-canary.service';
import { EngineCircuit } from './deep-health/engine-circuit';
import { JobHealth } from './deep-health/job-health';
import { ModelUsage } from './deep-health/model-usage';
import { EngineHealthIndicator } from './health/engine-health.indicator';
import { HealthController } from './health/health.controller';
import { WorkerHealth } from './health/worker-health.service';
import { CancelListener } from './jobs/cancel-listener.service';
import { JobHandlers } from './jobs/job-handlers';
import { JobRunner } from './jobs/job-runner.service';
import { EarlierOutputReader } from './jobs/continuation/earlier-output.reader';
import { JobContinuations } from './jobs/continuation/job-continuations';
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
    BlobFetcher,
    OllamaEngine,
    LlamaRuntime,
    GgufMetadataReader,
    GgufCatalog,
    GgufModelWriter,
    ModelPool,
    ChatWrapperResolver,
    LlamaCppEngine,
    OpenAiHttp,
    OpenAiEngine,
    engineProvider,
    HardwareProbe,
    DecodeSpeed,
    CapabilitiesService,
    LoadedModelsPublisher,
    EngineCircuit,
    ModelUsage,
    JobHealth,
    CircuitCanary,
    JobHandlers,
    JobRunner,
    EarlierOutputReader,
    JobContinuations,
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
