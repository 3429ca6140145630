import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';

import { HealthCheckFilter } from '@gridllm/observability';

import { GatewayHealth } from './gateway-health.service';

/** Probes for orchestrators and load balancers; HEAD works on each (Express answers HEAD from GET). */
@ApiTags('Operations')
@Controller('health')
@UseFilters(HealthCheckFilter)
export class HealthController {
  constructor(private readonly health: GatewayHealth) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP; consults no dependency' })
  live(): HealthCheckResult {
    return this.health.live();
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: Redis answers, the queue accepts writes and no SIGTERM came (503 otherwise)',
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.ready();
  }

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Details: Redis, queue, workers by state, queue depth per model (503 when not ready)',
  })
  detailed(): Promise<HealthCheckResult> {
    return this.health.detailed();
  }
}
