import { Module } from '@nestjs/common';

import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';

/** The app's metrics registry and `GET /metrics`; each app adds its own metrics through MetricsRegistry. */
@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
