import { Body, Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { JobKind, OllamaModel, OllamaVersion } from '@gridllm/contracts';

import { RequireBodyPipe, passThroughValidation } from '../common/request-body.pipe';
import { ChatRequestDto } from './dto/chat-request.dto';
import { GenerateRequestDto } from './dto/generate-request.dto';
import { OllamaApiService } from './ollama-api.service';

/** Ollama's API, served under /ollama and at the root so OLLAMA_HOST=http://gateway:4000 works as is. */
@ApiTags('Ollama API')
@Controller(['ollama', ''])
export class OllamaApiController {
  constructor(private readonly ollama: OllamaApiService) {}

  @Get()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Liveness check used by Ollama clients (also HEAD)' })
  root(): string {
    return 'Ollama is running';
  }

  @Post('api/generate')
  @ApiOperation({
    summary: 'Generate a completion (NDJSON stream by default; one JSON object with stream:false)',
  })
  @ApiProduces('application/x-ndjson', 'application/json')
  generate(
    @Body(RequireBodyPipe, passThroughValidation) body: GenerateRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.ollama.run(JobKind.Generate, body as unknown as Record<string, unknown>, req, res);
  }

  @Post('api/chat')
  @ApiOperation({ summary: 'Chat (NDJSON stream by default; one JSON object with stream:false)' })
  @ApiProduces('application/x-ndjson', 'application/json')
  chat(
    @Body(RequireBodyPipe, passThroughValidation) body: ChatRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.ollama.run(JobKind.Chat, body as unknown as Record<string, unknown>, req, res);
  }

  @Get('api/tags')
  @ApiOperation({ summary: 'Models of every live worker, one entry per model (also HEAD)' })
  @ApiOkResponse({ description: '{ "models": [...] }' })
  tags(): Promise<{ models: OllamaModel[] }> {
    return this.ollama.tags();
  }

  @Get('api/version')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ollama version (the oldest in the fleet)' })
  version(): Promise<OllamaVersion> {
    return this.ollama.version();
  }
}
