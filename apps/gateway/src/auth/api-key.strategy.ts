import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { Strategy } from 'passport-custom';

import { ApiKeyStore, isExpired, principalOfKey, sha256 } from '@gridllm/access';
import { securityConfig } from '@gridllm/config';
import { Principal, UnauthorizedError } from '@gridllm/contracts';

import { presentedCredential } from './credentials';

export const API_KEY_STRATEGY = 'api-key';

/** ADMIN_API_KEY (every scope) or a key stored in Redis. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, API_KEY_STRATEGY) {
  private readonly adminKeyDigest: Buffer | null;

  constructor(
    private readonly keys: ApiKeyStore,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    super();
    this.adminKeyDigest = security.adminApiKey ? Buffer.from(sha256(security.adminApiKey), 'hex') : null;
  }

  async validate(req: Request): Promise<Principal | false> {
    const credential = presentedCredential(req);
    if (!credential) return false;
    if (this.isAdminKey(credential))
      return { kind: 'admin-key', id: 'admin', name: 'ADMIN_API_KEY', scopes: ['admin'] };
    const record = await this.keys.findBySecret(credential);
    if (record && isExpired(record))
      throw new UnauthorizedError(`API key ${record.id} expired at ${record.expiresAt}`);
    return record ? principalOfKey(record) : false;
  }

  /** Compared as digests in constant time: the comparison leaks neither length nor prefix. */
  private isAdminKey(credential: string): boolean {
    if (!this.adminKeyDigest) return false;
    return timingSafeEqual(this.adminKeyDigest, Buffer.from(sha256(credential), 'hex'));
  }
}
