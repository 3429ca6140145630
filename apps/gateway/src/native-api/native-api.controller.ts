import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { RequireScope } from '../auth/auth.decorators';
import { principalOf } from '../auth/principal';
import { RequireBodyPipe, passThroughValidation } from '../common/request-body.pipe';
import { ApiErrorResponses, ApiStreamedResponse, NDJSON, ndjsonBlock } from '../docs/api-responses';
import { GENERATE_LINES } from '../ollama-api/dto/ollama-examples';
import { GenerateChunkDto } from '../ollama-api/dto/ollama-responses.dto';
import { InferenceRequestDto } from './dto/inference-request.dto';
import {
  CallerUsageDto,
  CancelResultDto,
  InferenceAcceptedDto,
  InferenceCompletedDto,
  JobResultDto,
  JobStatusDto,
  ModelAvailabilityDto,
  QueueSummaryDto,
} from './dto/native-responses.dto';
import { NativeApiService } from './native-api.service';

const SUBMIT_EXAMPLES = {
  wait: { summary: 'Wait for the result', value: { model: 'llama3.2', prompt: 'Why is the sky blue?' } },
  stream: {
    summary: 'Stream NDJSON',
    value: { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: true },
  },
  async: {
    summary: 'Async, high priority',
    value: { model: 'llama3.2', prompt: 'Summarise…', priority: 'high', async: true },
  },
};

/** GridLLM's own job API: priorities, async jobs, status, replayable streams, cancellation. */
@ApiTags('Native API')
@RequireScope('inference')
@Controller('inference')
export class NativeApiController {
  constructor(private readonly native: NativeApiService) {}

  @Post()
  @ApiOperation({
    summary: 'Submit a job: waits for the result, streams NDJSON (stream:true), or answers 202 (async:true)',
  })
  @ApiBody({ type: InferenceRequestDto, examples: SUBMIT_EXAMPLES })
  @ApiStreamedResponse({
    chunk: GenerateChunkDto,
    single: InferenceCompletedDto,
    lines: GENERATE_LINES,
    object: {
      id: '3f1c2d9e-5b7a-4c1e-9f0a-2b6d8e4c7a11',
      status: 'completed',
      model: 'llama3.2:latest',
      workerId: 'gpu-box-1',
      result: { model: 'llama3.2', response: 'The sky is blue because…', done: true, eval_count: 290 },
    },
    when: 'With stream:true',
  })
  @ApiResponse({ status: 202, description: 'async:true: accepted and queued', type: InferenceAcceptedDto })
  @ApiErrorResponses(400, 404, 413, 502, 503, 504)
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
  @ApiOkResponse({ type: [ModelAvailabilityDto] })
  models(@Req() req: Request) {
    return this.native.models(principalOf(req));
  }

  @Get('me')
  @ApiOperation({
    summary:
      "The caller's key or token (scopes, allowlist, limits) and its usage today, this month and in total",
  })
  @ApiOkResponse({ type: CallerUsageDto })
  me(@Req() req: Request) {
    return this.native.me(req);
  }

  @Get('queue')
  @ApiOperation({ summary: 'Queue depth per model and priority, active jobs, workers online' })
  @ApiOkResponse({ type: QueueSummaryDto })
  queue(@Req() req: Request) {
    return this.native.queue(principalOf(req));
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'State (queued/active/completed/failed/cancelled), worker and timestamps' })
  @ApiOkResponse({ type: JobStatusDto })
  @ApiErrorResponses(404)
  status(@Param('id') id: string, @Req() req: Request) {
    return this.native.status(id, req);
  }

  @Get(':id/result')
  @ApiOperation({ summary: 'The result of a finished job (409 while it is queued or running)' })
  @ApiOkResponse({ type: JobResultDto })
  @ApiErrorResponses(404, 409)
  result(@Param('id') id: string, @Req() req: Request) {
    return this.native.result(id, req);
  }

  @Get(':id/stream')
  @ApiOperation({ summary: "The job's NDJSON from the start, or after an event id, then live" })
  @ApiProduces(NDJSON)
  @ApiExtraModels(GenerateChunkDto)
  @ApiOkResponse({
    description:
      "NDJSON: the job's lines (each chunk as the engine sent it), then live until done:true or an error line.\n\n" +
      ndjsonBlock(GENERATE_LINES),
    content: { [NDJSON]: { schema: { $ref: getSchemaPath(GenerateChunkDto) }, example: GENERATE_LINES[0] } },
  })
  @ApiErrorResponses(400, 404)
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
  @ApiOkResponse({ type: CancelResultDto })
  @ApiErrorResponses(404)
  cancel(@Param('id') id: string, @Req() req: Request) {
    return this.native.cancel(id, req);
  }
}
