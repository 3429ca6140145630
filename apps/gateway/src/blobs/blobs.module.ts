import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig } from '@gridllm/config';

import { BlobDownloadController } from './blob-download.controller';
import { BlobLinkSigner } from './blob-link-signer';
import { BLOB_STORE } from './blob-store';
import { BlobService } from './blob.service';
import { DirectoryBlobStore } from './directory-blob-store';

/** Model blobs: the store (a directory, BLOB_DIR), Ollama's blob routes' logic, and signed downloads. */
@Module({
  controllers: [BlobDownloadController],
  providers: [
    {
      provide: BLOB_STORE,
      inject: [gatewayConfig.KEY],
      useFactory: (gateway: ConfigType<typeof gatewayConfig>) => new DirectoryBlobStore(gateway.blobs.dir),
    },
    BlobLinkSigner,
    BlobService,
  ],
  exports: [BlobService],
})
export class BlobsModule {}
