import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { RequireBodyPipe, passThroughValidation } from '../common/request-body.pipe';
import { InferenceRequestDto } from './dto/inference-request.dto';
import { NativeApiService } from './native-api.service';

/** GridLLM's own job API: priorities, async jobs, status, replayable streams, cancellation. */
@ApiTags('Native API')
@Controller('inference')
export class NativeApiController {
  constructor(private readonly native: NativeApiService) {}

  @Post()
  @ApiOperation({
    summary: 'Submit a job: waits for the result, streams NDJSON (stream:true), or answers 202 (async:true)',
  })
  @ApiProduces('application/json', 'application/x-ndjson')
  @ApiResponse({ status: 202, description: '{ id, status: "queued" } when async' })
  async submit(
    @Body(RequireBodyPipe, passThroughValidation) dto: InferenceRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const accepted = await this.native.submit(dto, req, res);
    if (accepted) {
      res.status(HttpStatus.ACCEPTED).json({ id: accepted.id, status: 'queued', model: accepted.model });
    }
  }

  @Get('models')
  @ApiOperation({ summary: 'Each model → the live workers that have it and their free slots' })
  models() {
    return this.native.models();
  }

  @Get('queue')
  @ApiOperation({ summary: 'Queue depth per model and priority, active jobs, workers online' })
  queue() {
    return this.native.queue();
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'State (queued/active/completed/failed/cancelled), worker and timestamps' })
  status(@Param('id') id: string) {
    return this.native.status(id);
  }

  @Get(':id/result')
  @ApiOperation({ summary: 'The result of a finished job (409 while it is queued or running)' })
  result(@Param('id') id: string) {
    return this.native.result(id);
  }

  @Get(':id/stream')
  @ApiOperation({ summary: "The job's NDJSON from the start, or after an event id, then live" })
  @ApiProduces('application/x-ndjson')
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'event id `<attempt>-<n>`: resume after the n-th line',
  })
  stream(
    @Param('id') id: string,
    @Query('after') after: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.native.stream(id, after, req, res);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel: removed when queued, aborted on the engine when running' })
  cancel(@Param('id') id: string) {
    return this.native.cancel(id);
  }
}
