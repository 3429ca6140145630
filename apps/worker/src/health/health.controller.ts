import { Controller, Get, HttpStatus, Res, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';

import { HealthCheckFilter } from '@gridllm/observability';

import { WorkerHealth, WorkerHealthReport } from './worker-health.service';

/** Worker probes on WORKER_PORT; HEAD works on each (Express answers HEAD from GET). */
@ApiTags('Operations')
@Controller('health')
@UseFilters(HealthCheckFilter)
export class HealthController {
  constructor(private readonly health: WorkerHealth) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP; consults no dependency' })
  live(): HealthCheckResult {
    return this.health.live();
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Redis and the engine answer, not draining (503 otherwise)' })
  ready(): Promise<HealthCheckResult> {
    return this.health.ready();
  }

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Status, engine, models, slots and the ready checks: 200 when ready, 503 otherwise',
  })
  async detailed(@Res({ passthrough: true }) res: Response): Promise<WorkerHealthReport> {
    const { ready, report } = await this.health.detailed();
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
