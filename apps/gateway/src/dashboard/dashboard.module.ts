import { Module } from '@nestjs/common';

import { RegistryModule } from '@gridllm/registry';
import { SchedulerModule } from '@gridllm/scheduler';

import { DashboardController } from './dashboard.controller';
import { DashboardFeed } from './dashboard-feed.service';
import { DashboardRecorder } from './dashboard-recorder.service';
import { GridSampler } from './grid-sampler';

/** The live dashboard's data: one recorder per grid (by lease), one feed per gateway, the SSE endpoint. */
@Module({
  imports: [RegistryModule, SchedulerModule],
  controllers: [DashboardController],
  providers: [GridSampler, DashboardRecorder, DashboardFeed],
  exports: [DashboardFeed],
})
export class DashboardModule {}
