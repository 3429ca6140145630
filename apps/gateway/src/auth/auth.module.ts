import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportModule } from '@nestjs/passport';

import { AccessModule } from '@gridllm/access';
import { securityConfig } from '@gridllm/config';

import { AccessGuard } from './access.guard';
import { ApiKeyVerifier } from './api-key-verifier';
import { JobOwners } from './job-owners';
import { JwtStrategy, jwtConfigured } from './jwt.strategy';

/** API keys (checked directly) and JWTs (through passport); the guard itself is registered globally by GatewayModule. */
@Module({
  imports: [PassportModule, AccessModule],
  providers: [
    ApiKeyVerifier,
    {
      // Registered with passport only when a verifier is configured (the strategy needs a key).
      provide: JwtStrategy,
      inject: [securityConfig.KEY],
      useFactory: (security: ConfigType<typeof securityConfig>) =>
        jwtConfigured(security.jwt) ? new JwtStrategy(security) : null,
    },
    AccessGuard,
    JobOwners,
  ],
  exports: [AccessGuard, JobOwners, AccessModule],
})
export class AuthModule {}
