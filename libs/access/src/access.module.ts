import { Module } from '@nestjs/common';

import { ApiKeyStore } from './api-key-store';
import { OwnerJobs } from './owner-jobs';
import { UsageLedger } from './usage-ledger';

/** Stored API keys, usage accounting and per-owner job limits (Redis). */
@Module({
  providers: [ApiKeyStore, UsageLedger, OwnerJobs],
  exports: [ApiKeyStore, UsageLedger, OwnerJobs],
})
export class AccessModule {}
