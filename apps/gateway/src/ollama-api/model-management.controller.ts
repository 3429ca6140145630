import { Body, Controller, Delete, Head, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { RequireScope } from '../auth/auth.decorators';
import { BlobService } from '../blobs/blob.service';
import { RequireBodyPipe } from '../common/request-body.pipe';
import { ApiErrorResponses } from '../docs/api-responses';
import { requestOrigin } from '../common/request-origin';
import { CREATE_EXAMPLES, CreateRequestDto } from './dto/create-request.dto';
import { ModelCreateService } from './model-create.service';
import { ModelManagementService } from './model-management.service';

/** Ollama's model management endpoints across the fleet (under /ollama and at the root). */
@ApiTags('Ollama API: models')
@RequireScope('models:manage')
@Controller(['ollama', ''])
export class ModelManagementController {
  constructor(
    private readonly models: ModelManagementService,
    private readonly blobs: BlobService,
    private readonly creator: ModelCreateService,
  ) {}

  @Delete('api/delete')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Delete a model on every worker that has it (`model` or the legacy `name`); 404 when none has it',
  })
  async delete(@Body(RequireBodyPipe) body: Record<string, unknown>): Promise<void> {
    await this.models.delete(body);
  }

  @Post('api/copy')
  @HttpCode(200)
  @ApiOperation({ summary: 'Copy a model on every worker that has the source; 404 when none has it' })
  async copy(@Body(RequireBodyPipe) body: Record<string, unknown>): Promise<void> {
    await this.models.copy(body);
  }

  @Post('api/pull')
  @ApiOperation({
    summary:
      'Pull a model on every worker that can (those in front of an Ollama): merged NDJSON progress ending in ' +
      '{"status":"success"} only when all succeeded; 501 when only embedded workers are live',
  })
  @ApiProduces('application/x-ndjson', 'application/json')
  pull(@Body(RequireBodyPipe) body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    return this.models.pull(body, res);
  }

  @Post('api/push')
  @ApiOperation({
    summary:
      'Push a model from one worker that holds it (its Ollama pushes with its own registry credentials): ' +
      'its NDJSON progress; an embedded worker answers a clear error',
  })
  @ApiProduces('application/x-ndjson', 'application/json')
  @ApiErrorResponses(400, 404)
  push(@Body(RequireBodyPipe) body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    return this.models.push(body, res);
  }

  @Post('api/create')
  @ApiOperation({
    summary:
      'Create a model on every live worker that can (`from` a model they hold, or from uploaded blobs in ' +
      '`files`/`adapters`, fetched by each worker with a signed link): merged NDJSON progress ending in ' +
      '{"status":"success"} only when all succeeded, else one error line naming the failing workers',
  })
  @ApiBody({ type: CreateRequestDto, examples: CREATE_EXAMPLES })
  @ApiProduces('application/x-ndjson', 'application/json')
  @ApiErrorResponses(400, 404)
  create(
    @Body(RequireBodyPipe) body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.creator.create(body, res, requestOrigin(req));
  }

  @Post('api/blobs/:digest')
  @ApiOperation({
    summary:
      "Upload a blob (raw body, e.g. a GGUF file) to the gateways' blob store: 201 stored, 200 already held, " +
      '400 when its sha256 is not the digest, 413 beyond BLOB_MAX_BYTES (independent of BODY_LIMIT)',
  })
  @ApiParam({ name: 'digest', example: `sha256:${'0'.repeat(64)}` })
  @ApiConsumes('application/octet-stream')
  @ApiResponse({ status: 201, description: 'stored' })
  @ApiErrorResponses(400, 413)
  uploadBlob(@Param('digest') digest: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.blobs.upload(digest, req, res);
  }

  @Head('api/blobs/:digest')
  @HttpCode(200)
  @ApiOperation({ summary: "Whether the gateways' blob store holds the blob: 200, or 404" })
  @ApiParam({ name: 'digest', example: `sha256:${'0'.repeat(64)}` })
  @ApiErrorResponses(400, 404)
  blobExists(@Param('digest') digest: string): Promise<void> {
    return this.blobs.exists(digest);
  }
}
