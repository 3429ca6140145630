import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';

import { CapabilitiesService } from '../capabilities/capabilities.service';
import { SlotLoop } from '../jobs/slot-loop.service';
import { HeartbeatService } from '../registration/heartbeat.service';

/** Worker health: 200 when its engine answers and it takes jobs, 503 while not ready or draining. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly heartbeat: HeartbeatService,
    private readonly capabilities: CapabilitiesService,
    private readonly slots: SlotLoop,
  ) {}

  @Get()
  health(@Res() res: Response): void {
    const snapshot = this.capabilities.snapshot;
    const status = this.heartbeat.status;
    res.status(status === 'ready' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({
      status,
      reason: snapshot?.engineProblem,
      engine: snapshot?.engine,
      engineVersion: snapshot?.engineVersion,
      models: snapshot?.models.map((model) => model.name) ?? [],
      slots: this.slots.slots,
      runningJobs: this.slots.runningJobs,
    });
  }
}
