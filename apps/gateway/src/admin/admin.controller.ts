import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { WorkerInfo } from '@gridllm/contracts';

import { RequireScope } from '../auth/auth.decorators';
import { ApiErrorResponses } from '../docs/api-responses';
import { RequireBodyPipe } from '../common/request-body.pipe';
import { requestOrigin } from '../common/request-origin';
import { FleetTargets } from '../ollama-api/fleet-targets';
import { ModelCreateService } from '../ollama-api/model-create.service';
import { ModelManagementService } from '../ollama-api/model-management.service';
import { AdminService } from './admin.service';
import { WorkerInfoDto } from './dto/worker-info.dto';

/** Operator endpoints. Workers now; keys and fleet model management arrive with their issues. */
@ApiTags('Admin')
@RequireScope('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly models: ModelManagementService,
    private readonly creator: ModelCreateService,
  ) {}

  @Get('workers')
  @ApiOperation({ summary: 'Live workers with their models, load, hardware, tier and state' })
  @ApiOkResponse({ type: [WorkerInfoDto] })
  workers(): Promise<WorkerInfo[]> {
    return this.admin.workers();
  }

  @Get('workers/:id')
  @ApiOperation({ summary: 'One live worker (404 when it is not alive)' })
  @ApiOkResponse({ type: WorkerInfoDto })
  @ApiErrorResponses(404)
  worker(@Param('id') id: string): Promise<WorkerInfo> {
    return this.admin.worker(id);
  }

  @Post('workers/:id/cordon')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stop giving the worker new jobs; running jobs finish (takes effect within a heartbeat)',
  })
  @ApiOkResponse({ type: WorkerInfoDto })
  @ApiErrorResponses(404)
  cordon(@Param('id') id: string): Promise<WorkerInfo> {
    return this.admin.cordon(id);
  }

  @Post('workers/:id/drain')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cordon and wait until its running jobs are done; answers the worker as it then is',
  })
  @ApiQuery({ name: 'timeoutMs', required: false, description: 'longest wait (default 60000)' })
  @ApiOkResponse({ type: WorkerInfoDto })
  @ApiErrorResponses(404)
  drain(@Param('id') id: string, @Query('timeoutMs') timeoutMs?: string): Promise<WorkerInfo> {
    return this.admin.drain(id, timeoutMs === undefined ? undefined : Number(timeoutMs));
  }

  @Post('models/pull')
  @ApiOperation({
    summary:
      'Pull a model on the named workers (`workers`) or on `count` of the workers that can pull; NDJSON progress',
  })
  @ApiProduces('application/x-ndjson', 'application/json')
  pullModel(@Body(RequireBodyPipe) body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    return this.models.pull(body, res, fleetTargets(body));
  }

  @Post('models/create')
  @ApiOperation({
    summary:
      'Create a model (as /api/create) on the named workers (`workers`) or on `count` of the workers that can; ' +
      'merged NDJSON progress; a named worker that cannot (e.g. quantize on an embedded worker) fails by name',
  })
  @ApiProduces('application/x-ndjson', 'application/json')
  createModel(
    @Body(RequireBodyPipe) body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.creator.create(body, res, requestOrigin(req), fleetTargets(body));
  }

  @Post('workers/:id/uncordon')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give the worker jobs again' })
  @ApiOkResponse({ type: WorkerInfoDto })
  @ApiErrorResponses(404)
  uncordon(@Param('id') id: string): Promise<WorkerInfo> {
    return this.admin.uncordon(id);
  }
}

/** `workers: [...]` or `count` from an operator's body. */
function fleetTargets(body: Record<string, unknown>): FleetTargets {
  const workers = Array.isArray(body.workers)
    ? body.workers.filter((id): id is string => typeof id === 'string')
    : undefined;
  const count = typeof body.count === 'number' && body.count > 0 ? Math.floor(body.count) : undefined;
  return { workers, count };
}
