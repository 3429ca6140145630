import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { BLOB_DOWNLOAD_PATH } from './blob-link';
import { BlobService } from './blob.service';

/**
 * Workers fetch the blobs of an `/api/create` here, with the signed link the gateway put in the control
 * message: the signature is the credential (the path is public to the AccessGuard), so it is not an API
 * route and stays out of the OpenAPI document.
 */
@ApiExcludeController()
@Controller(BLOB_DOWNLOAD_PATH.slice(1))
export class BlobDownloadController {
  constructor(private readonly blobs: BlobService) {}

  @Get(':digest')
  download(
    @Param('digest') digest: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.blobs.download(digest, query, req, res);
  }
}
