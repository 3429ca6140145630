import { Module } from '@nestjs/common';

import { MetricsModule } from '@gridllm/observability';

import { GatewayHealthModule } from '../health/health.module';
import { FleetMetrics } from './fleet-metrics';
import { HttpMetrics } from './http-metrics';
import { InferenceMetrics } from './inference-metrics.service';

/** `GET /metrics` with the gateway's metrics: HTTP, inference, and grid gauges read at scrape time. */
@Module({
  imports: [MetricsModule, GatewayHealthModule],
  providers: [HttpMetrics, InferenceMetrics, FleetMetrics],
  exports: [InferenceMetrics],
})
export class GatewayMetricsModule {}
