import { Module } from '@nestjs/common';

import { ApiKeyStore } from './api-key-store';

/** Stored API keys, usage accounting and per-owner job limits (Redis). */
@Module({
  providers: [ApiKeyStore],
  exports: [ApiKeyStore],
})
export class AccessModule {}
