import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { RequireScope } from '../auth/auth.decorators';
import { ApiErrorResponses } from '../docs/api-responses';
import type { DashboardSnapshot } from './dashboard-frame';
import { DashboardFeed } from './dashboard-feed.service';
import { DashboardSnapshotDto } from './dto/dashboard-snapshot.dto';
import { openSseViewer } from './sse-viewer';

/** What the dashboard page reads; the `dashboard` scope (or `admin`) may watch, only `admin` may act. */
@ApiTags('Dashboard')
@RequireScope('dashboard')
@Controller('admin')
export class DashboardController {
  constructor(private readonly feed: DashboardFeed) {}

  @Get('dashboard')
  @ApiOperation({
    summary: 'The live grid at once: fleet, queues, running and last finished jobs, 15-minute series',
  })
  @ApiOkResponse({ type: DashboardSnapshotDto })
  @ApiErrorResponses(401, 403)
  snapshot(): Promise<DashboardSnapshot> {
    return this.feed.snapshot();
  }

  @Get('events')
  @ApiOperation({
    summary:
      'Server-Sent Events: a `snapshot` event (as GET /admin/dashboard), then an `update` event about ' +
      'every second with the live part and the finished jobs and series points that are new',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an endless event stream' })
  @ApiErrorResponses(401, 403)
  events(@Req() req: Request, @Res() res: Response): Promise<void> {
    return openSseViewer(this.feed, req, res);
  }
}
