import { Module } from '@nestjs/common';

import { DrainClock } from './drain-clock';
import { GatewayDrain } from './gateway-drain.service';
import { HttpListener } from './http-listener';
import { InFlightRequests } from './in-flight-requests';

/** The gateway's graceful shutdown: request tracking, readiness while draining, the drain sequence. */
@Module({
  providers: [InFlightRequests, HttpListener, DrainClock, GatewayDrain],
  exports: [InFlightRequests, GatewayDrain],
})
export class ShutdownModule {}
