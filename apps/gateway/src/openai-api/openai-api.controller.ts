import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { RequireScope } from '../auth/auth.decorators';
import { principalOf } from '../auth/principal';
import { RequireBodyPipe, passThroughValidation } from '../common/request-body.pipe';
import {
  CHAT_COMPLETION_EVENTS,
  CHAT_COMPLETION_EXAMPLES,
  CHAT_COMPLETION_OBJECT,
  COMPLETION_EVENTS,
  COMPLETION_EXAMPLES,
  COMPLETION_OBJECT,
  RESPONSE_EVENTS,
  RESPONSE_OBJECT,
  RESPONSES_EXAMPLES,
} from './dto/openai-examples';
import {
  ChatCompletionRequestDto,
  CompletionRequestDto,
  EmbeddingRequestDto,
  ResponsesRequestDto,
} from './dto/openai-requests.dto';
import {
  ChatCompletionChunkDto,
  ChatCompletionDto,
  CompletionDto,
  EmbeddingListDto,
  OpenAiModelDto,
  OpenAiModelListDto,
} from './dto/openai-responses.dto';
import { OpenAiApiService } from './openai-api.service';
import { ApiNamedSseResponse, ApiOpenAiErrors, ApiSseResponse, OPENAI_TAG } from './openai-docs';
import { OpenAiModel, OpenAiModelList } from './openai-wire';
import { RateCheckedAtSubmit } from '../limits/deferred-rate-check';

/** OpenAI's API at /v1 (what `baseURL: http://gateway:4000/v1` uses) and under /ollama/v1. */
@ApiTags(OPENAI_TAG)
@RequireScope('inference')
@Controller(['v1', 'ollama/v1'])
export class OpenAiApiController {
  constructor(private readonly openai: OpenAiApiService) {}

  @Post('chat/completions')
  @RateCheckedAtSubmit()
  @ApiOperation({ summary: 'Chat completion (one chat.completion object; SSE chunks with stream:true)' })
  @ApiBody({ type: ChatCompletionRequestDto, examples: CHAT_COMPLETION_EXAMPLES })
  @ApiSseResponse({
    chunk: ChatCompletionChunkDto,
    single: ChatCompletionDto,
    events: CHAT_COMPLETION_EVENTS,
    object: CHAT_COMPLETION_OBJECT,
  })
  @ApiOpenAiErrors(400, 404, 502, 503, 504)
  chatCompletions(
    @Body(RequireBodyPipe, passThroughValidation) body: ChatCompletionRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.openai.chatCompletions(body as unknown as Record<string, unknown>, req, res);
  }

  @Post('completions')
  @RateCheckedAtSubmit()
  @ApiOperation({ summary: 'Text completion (one text_completion object; SSE chunks with stream:true)' })
  @ApiBody({ type: CompletionRequestDto, examples: COMPLETION_EXAMPLES })
  @ApiSseResponse({
    chunk: CompletionDto,
    single: CompletionDto,
    events: COMPLETION_EVENTS,
    object: COMPLETION_OBJECT,
  })
  @ApiOpenAiErrors(400, 404, 502, 503, 504)
  completions(
    @Body(RequireBodyPipe, passThroughValidation) body: CompletionRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.openai.completions(body as unknown as Record<string, unknown>, req, res);
  }

  @Post('responses')
  @RateCheckedAtSubmit()
  @ApiOperation({
    summary: 'Responses API, stateless (one response object; named SSE events with stream:true)',
  })
  @ApiBody({ type: ResponsesRequestDto, examples: RESPONSES_EXAMPLES })
  @ApiNamedSseResponse(
    'One response object; with `stream:true` Server-Sent Events `event: <type>` / `data: <json>` with ' +
      '`sequence_number`: response.created, response.in_progress, output items (added, deltas, done), ' +
      'response.completed (response.incomplete when max_output_tokens cut it, response.failed on a failure).',
    RESPONSE_OBJECT,
    RESPONSE_EVENTS,
  )
  @ApiOpenAiErrors(400, 404, 502, 503, 504)
  responses(
    @Body(RequireBodyPipe, passThroughValidation) body: ResponsesRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.openai.responses(body as unknown as Record<string, unknown>, req, res);
  }

  @Post('embeddings')
  @RateCheckedAtSubmit()
  @ApiOperation({ summary: 'Embeddings of a string or an array of strings' })
  @ApiOkResponse({ type: EmbeddingListDto })
  @ApiOpenAiErrors(400, 404, 503)
  embeddings(
    @Body(RequireBodyPipe, passThroughValidation) body: EmbeddingRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.openai.embeddings(body as unknown as Record<string, unknown>, req, res);
  }

  @Get('models')
  @ApiOperation({ summary: 'Models of every live worker, one entry per model' })
  @ApiOkResponse({ type: OpenAiModelListDto })
  listModels(@Req() req: Request): Promise<OpenAiModelList> {
    return this.openai.listModels(principalOf(req));
  }

  /** A wildcard, so ids with slashes (`user/model:tag`) work unencoded as well as encoded. */
  @Get('models/*model')
  @ApiOperation({ summary: 'One model of the fleet' })
  @ApiParam({ name: 'model', example: 'llama3.2:latest', description: 'may contain "/" and ":"' })
  @ApiOkResponse({ type: OpenAiModelDto })
  @ApiOpenAiErrors(404)
  retrieveModel(@Param('model') model: string | string[], @Req() req: Request): Promise<OpenAiModel> {
    return this.openai.retrieveModel(Array.isArray(model) ? model.join('/') : model, principalOf(req));
  }
}
