import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { GatewayDrain } from '../shutdown/gateway-drain.service';

/** Not ready from SIGTERM on, so that balancers stop sending before the gateway stops accepting. */
@Injectable()
export class DrainHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly drain: GatewayDrain,
  ) {}

  accepting(key = 'shutdown'): HealthIndicatorResult {
    this.drain.probed();
    const session = this.indicators.check(key);
    if (this.drain.phase === 'serving') return session.up();
    return session.down({ message: 'draining: the gateway received SIGTERM' });
  }
}
