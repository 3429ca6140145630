import { Injectable } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';

import { RedisHealthIndicator, liveness } from '@gridllm/observability';

import { DrainHealthIndicator } from './drain-health.indicator';
import { FleetHealthIndicator } from './fleet-health.indicator';
import { QueueHealthIndicator } from './queue-health.indicator';

/**
 * The gateway's three probes. Ready answers 503 when Redis or the queue fail; detailed also when the
 * registry or the queue depths cannot be read; both from SIGTERM on (the gateway drains). No worker online is shown, not failed: the gateway still
 * answers correctly (404 for an unserved model), so load balancers should keep it.
 */
@Injectable()
export class GatewayHealth {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly queue: QueueHealthIndicator,
    private readonly fleet: FleetHealthIndicator,
    private readonly drain: DrainHealthIndicator,
  ) {}

  live(): HealthCheckResult {
    return liveness();
  }

  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.drain.accepting(),
      () => this.redis.ping(),
      () => this.queue.writable(),
    ]);
  }

  detailed(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.drain.accepting(),
      () => this.redis.ping(),
      () => this.queue.writable(),
      () => this.fleet.workers(),
      () => this.fleet.queues(),
    ]);
  }
}
