import { Body, Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { JobKind, OllamaLoadedModel, OllamaModel, OllamaVersion } from '@gridllm/contracts';

import { RequireScope } from '../auth/auth.decorators';
import { principalOf } from '../auth/principal';
import { RequireBodyPipe, passThroughValidation } from '../common/request-body.pipe';
import { ApiErrorResponses, ApiStreamedResponse } from '../docs/api-responses';
import { RateCheckedAtSubmit } from '../limits/deferred-rate-check';
import { OLLAMA_TAG } from '../docs/openapi-document';
import { ChatRequestDto } from './dto/chat-request.dto';
import { EmbedRequestDto } from './dto/embed-request.dto';
import { EmbeddingsRequestDto } from './dto/embeddings-request.dto';
import { GenerateRequestDto } from './dto/generate-request.dto';
import {
  CHAT_EXAMPLES,
  CHAT_LINES,
  CHAT_OBJECT,
  GENERATE_EXAMPLES,
  GENERATE_LINES,
  GENERATE_OBJECT,
} from './dto/ollama-examples';
import {
  ChatChunkDto,
  EmbedResponseDto,
  EmbeddingsResponseDto,
  GenerateChunkDto,
  PsResponseDto,
  ShowResponseDto,
  TagsResponseDto,
  VersionResponseDto,
} from './dto/ollama-responses.dto';
import { ShowRequestDto } from './dto/show-request.dto';
import { OllamaApiService } from './ollama-api.service';

/** Ollama's API, served under /ollama and at the root so OLLAMA_HOST=http://gateway:4000 works as is. */
@ApiTags(OLLAMA_TAG)
@RequireScope('inference')
@Controller(['', 'ollama'])
export class OllamaApiController {
  constructor(private readonly ollama: OllamaApiService) {}

  @Get()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Liveness check used by Ollama clients (also HEAD)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string', example: 'Ollama is running' } } } })
  root(): string {
    return 'Ollama is running';
  }

  @Post('api/generate')
  @RateCheckedAtSubmit()
  @ApiOperation({
    summary: 'Generate a completion (NDJSON stream by default; one JSON object with stream:false)',
  })
  @ApiBody({ type: GenerateRequestDto, examples: GENERATE_EXAMPLES })
  @ApiStreamedResponse({
    chunk: GenerateChunkDto,
    lines: GENERATE_LINES,
    object: GENERATE_OBJECT,
    when: 'Unless stream:false',
  })
  @ApiErrorResponses(400, 404, 413, 502, 503, 504)
  generate(
    @Body(RequireBodyPipe, passThroughValidation) body: GenerateRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.ollama.run(JobKind.Generate, body as unknown as Record<string, unknown>, req, res);
  }

  @Post('api/chat')
  @RateCheckedAtSubmit()
  @ApiOperation({ summary: 'Chat (NDJSON stream by default; one JSON object with stream:false)' })
  @ApiBody({ type: ChatRequestDto, examples: CHAT_EXAMPLES })
  @ApiStreamedResponse({
    chunk: ChatChunkDto,
    lines: CHAT_LINES,
    object: CHAT_OBJECT,
    when: 'Unless stream:false',
  })
  @ApiErrorResponses(400, 404, 413, 502, 503, 504)
  chat(
    @Body(RequireBodyPipe, passThroughValidation) body: ChatRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.ollama.run(JobKind.Chat, body as unknown as Record<string, unknown>, req, res);
  }

  @Post('api/embed')
  @RateCheckedAtSubmit()
  @ApiOperation({ summary: 'Embeddings for a string or an array of strings (one JSON object)' })
  @ApiOkResponse({ type: EmbedResponseDto })
  @ApiErrorResponses(400, 404, 503)
  embed(
    @Body(RequireBodyPipe, passThroughValidation) body: EmbedRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.ollama.answer(JobKind.Embed, body as unknown as Record<string, unknown>, req, res);
  }

  @Post('api/embeddings')
  @RateCheckedAtSubmit()
  @ApiOperation({ summary: 'Legacy: the embedding of one prompt (superseded by /api/embed)' })
  @ApiOkResponse({ type: EmbeddingsResponseDto })
  @ApiErrorResponses(400, 404, 503)
  embeddings(
    @Body(RequireBodyPipe, passThroughValidation) body: EmbeddingsRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.ollama.answer(JobKind.Embeddings, body as unknown as Record<string, unknown>, req, res);
  }

  @Post('api/show')
  @ApiOperation({ summary: 'Model details, answered by any worker that has the model' })
  @ApiOkResponse({ type: ShowResponseDto })
  @ApiErrorResponses(400, 404)
  show(
    @Body(RequireBodyPipe, passThroughValidation) body: ShowRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.ollama.show(body as unknown as Record<string, unknown>, req, res);
  }

  @Get('api/ps')
  @ApiOperation({ summary: 'Models loaded on any live worker, one entry per model' })
  @ApiOkResponse({ type: PsResponseDto })
  ps(@Req() req: Request): Promise<{ models: OllamaLoadedModel[] }> {
    return this.ollama.ps(principalOf(req));
  }

  @Get('api/tags')
  @ApiOperation({ summary: 'Models of every live worker, one entry per model (also HEAD)' })
  @ApiOkResponse({ type: TagsResponseDto })
  tags(@Req() req: Request): Promise<{ models: OllamaModel[] }> {
    return this.ollama.tags(principalOf(req));
  }

  @Get('api/version')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ollama version (the oldest in the fleet)' })
  @ApiOkResponse({ type: VersionResponseDto })
  version(): Promise<OllamaVersion> {
    return this.ollama.version();
  }
}
