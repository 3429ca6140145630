import { Module } from '@nestjs/common';

import { HealthModule } from '@gridllm/observability';
import { RegistryModule } from '@gridllm/registry';
import { SchedulerModule } from '@gridllm/scheduler';

import { ShutdownModule } from '../shutdown/shutdown.module';
import { DrainHealthIndicator } from './drain-health.indicator';
import { FleetHealthIndicator } from './fleet-health.indicator';
import { FleetReader } from './fleet-reader.service';
import { GatewayHealth } from './gateway-health.service';
import { HealthController } from './health.controller';
import { QueueHealthIndicator } from './queue-health.indicator';

/** `/health`, `/health/live`, `/health/ready`; exports FleetReader for the fleet gauges. */
@Module({
  imports: [HealthModule, RegistryModule, SchedulerModule, ShutdownModule],
  controllers: [HealthController],
  providers: [FleetReader, QueueHealthIndicator, FleetHealthIndicator, DrainHealthIndicator, GatewayHealth],
  exports: [FleetReader],
})
export class GatewayHealthModule {}
