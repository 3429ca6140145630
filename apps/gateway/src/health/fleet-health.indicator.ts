import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { FleetReader } from './fleet-reader.service';

/** Workers and queue depths for the detailed health answer. */
@Injectable()
export class FleetHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly fleet: FleetReader,
  ) {}

  /** Up whenever the registry can be read, even with no worker: that is a fact to show, not a gateway fault. */
  async workers(key = 'workers'): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    try {
      const { states: _states, ...summary } = await this.fleet.workers();
      return session.up(summary);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  async queues(key = 'queues'): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    try {
      const models = await this.fleet.depths();
      const waiting = models.reduce((sum, m) => sum + m.waiting.high + m.waiting.medium + m.waiting.low, 0);
      const active = models.reduce((sum, m) => sum + m.active, 0);
      return session.up({ waiting, active, models });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
