import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Request } from 'express';

import { securityConfig } from '@gridllm/config';
import { JobOwner } from '@gridllm/contracts';

import { principalOf } from './principal';

/** Whose job a request creates: the authenticated principal with its limits (KEY_MAX_CONCURRENT by default). */
@Injectable()
export class JobOwners {
  constructor(@Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>) {}

  /** Undefined with auth off: nobody to account to. */
  of(req: Request): JobOwner | undefined {
    const principal = principalOf(req);
    if (!principal) return undefined;
    return {
      id: principal.id,
      maxConcurrent: principal.maxConcurrent ?? this.security.keyMaxConcurrent,
      tokenQuota: principal.tokenQuota,
      shareWeight: principal.shareWeight,
    };
  }
}
