import { Module } from '@nestjs/common';

import { RegistrationSigner } from './registration-signer';
import { WorkerRegistry } from './worker-registry.service';
import { WorkerTokenCheck } from './worker-token-check';

@Module({
  providers: [WorkerRegistry, RegistrationSigner, WorkerTokenCheck],
  exports: [WorkerRegistry, WorkerTokenCheck],
})
export class RegistryModule {}
