import { Module } from '@nestjs/common';

import { MetricsModule } from '@gridllm/observability';

import { WorkerMetrics } from './worker-metrics';

/**
 * `GET /metrics` and the job metrics the runner records. The state gauges (WorkerStateMetrics) read the
 * slot loop and heartbeat, which live in WorkerModule, so WorkerModule provides them.
 */
@Module({
  imports: [MetricsModule],
  providers: [WorkerMetrics],
  exports: [WorkerMetrics, MetricsModule],
})
export class WorkerMetricsModule {}
