import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';

import { GridConfigModule } from '@gridllm/config';
import { LoggingModule } from '@gridllm/logging';
import { RedisModule } from '@gridllm/redis';
import { RegistryModule } from '@gridllm/registry';
import { SchedulerModule } from '@gridllm/scheduler';
import { StreamingModule } from '@gridllm/streaming';

import { AdminController } from './admin/admin.controller';
import { ApiKeysController } from './admin/api-keys.controller';
import { AdminService } from './admin/admin.service';
import { AnthropicApiController } from './anthropic-api/anthropic-api.controller';
import { AnthropicApiService } from './anthropic-api/anthropic-api.service';
import { AccessGuard } from './auth/access.guard';
import { AuthModule } from './auth/auth.module';
import { BlobsModule } from './blobs/blobs.module';
import { BodyRefusalGuard } from './common/body-parser-errors.middleware';
import { ErrorBodyFilter } from './common/error-body.filter';
import { InferenceResponder } from './common/inference-responder.service';
import { JobRelay } from './common/job-relay.service';
import { TranslatedJobs } from './common/translated-jobs.service';
import { DashboardModule } from './dashboard/dashboard.module';
import { GatewayHealthModule } from './health/health.module';
import { LimitsModule } from './limits/limits.module';
import { RateLimitGate } from './limits/rate-limit-gate';
import { RequestRateGuard } from './limits/request-rate.guard';
import { RequestLogging } from './logging/request-logging';
import { GatewayMetricsModule } from './metrics/gateway-metrics.module';
import { NativeApiController } from './native-api/native-api.controller';
import { NativeApiService } from './native-api/native-api.service';
import { ModelManagementController } from './ollama-api/model-management.controller';
import { ModelCreateService } from './ollama-api/model-create.service';
import { ModelLifecycleService } from './ollama-api/model-lifecycle.service';
import { ModelManagementService } from './ollama-api/model-management.service';
import { OllamaApiController } from './ollama-api/ollama-api.controller';
import { OllamaApiService } from './ollama-api/ollama-api.service';
import { OpenAiApiController } from './openai-api/openai-api.controller';
import { OpenAiApiService } from './openai-api/openai-api.service';
import { ShutdownModule } from './shutdown/shutdown.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    GridConfigModule.forRoot(),
    LoggingModule.forRoot('gateway'),
    RedisModule,
    RegistryModule,
    StreamingModule,
    SchedulerModule,
    GatewayHealthModule,
    GatewayMetricsModule,
    AuthModule,
    LimitsModule,
    ShutdownModule,
    BlobsModule,
    WebhooksModule,
    DashboardModule,
  ],
  // The inference routes first: Express tries a request against each route in the order they were
  // registered, and these carry nearly every request (no two controllers' paths overlap, so order only
  // changes how many routes a request passes: /api/generate was the 67th layer of 100, now the 23rd).
  controllers: [
    OllamaApiController,
    OpenAiApiController,
    AnthropicApiController,
    NativeApiController,
    ModelManagementController,
    ApiKeysController,
    AdminController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ErrorBodyFilter },
    // Global guards run in this order: authentication and scopes first, then limits that need the principal.
    { provide: APP_GUARD, useExisting: AccessGuard },
    JobRelay,
    InferenceResponder,
    TranslatedJobs,
    OllamaApiService,
    ModelManagementService,
    ModelCreateService,
    ModelLifecycleService,
    OpenAiApiService,
    AnthropicApiService,
    NativeApiService,
    AdminService,
    RequestLogging,
    RequestRateGuard,
    // Must stay after the auth guard: global guards run in this order, and limits are per principal.
    { provide: APP_GUARD, useClass: RateLimitGate },
    // Last: a body refused at parsing is answered once credentials and limits passed.
    { provide: APP_GUARD, useClass: BodyRefusalGuard },
  ],
})
export class GatewayModule {}
