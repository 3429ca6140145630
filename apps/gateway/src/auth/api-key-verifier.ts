import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';

import { ApiKeyStore, isExpired, principalOfKey } from '@gridllm/access';
import { securityConfig } from '@gridllm/config';
import { Principal, UnauthorizedError } from '@gridllm/contracts';

/** The 401 message for a key that is not ADMIN_API_KEY nor a live stored key. */
export const INVALID_API_KEY = 'invalid API key';

/**
 * ADMIN_API_KEY (every scope) or a key stored in Redis, checked without passport: its per-request set-up
 * cost more than the check. One SHA-256 of the secret serves both the constant-time admin comparison and
 * the store's lookup (whose records live at most KEY_CACHE_MS, so a revocation elsewhere counts within 1 s).
 */
@Injectable()
export class ApiKeyVerifier {
  private readonly adminKeyDigest: Buffer | null;

  constructor(
    private readonly keys: ApiKeyStore,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    this.adminKeyDigest = security.adminApiKey ? digestOf(security.adminApiKey) : null;
  }

  /** The principal `credential` stands for; UnauthorizedError for an unknown, revoked or expired key. */
  async verify(credential: string): Promise<Principal> {
    const digest = digestOf(credential);
    // Digests have one length: the comparison leaks neither length nor prefix of the admin key.
    if (this.adminKeyDigest && timingSafeEqual(this.adminKeyDigest, digest))
      return { kind: 'admin-key', id: 'admin', name: 'ADMIN_API_KEY', scopes: ['admin'] };
    // A store that cannot answer (Redis down) refuses the key, as the passport strategy before this did.
    const record = await this.keys.findBySecret(credential, digest.toString('hex')).catch(() => null);
    if (!record) throw new UnauthorizedError(INVALID_API_KEY);
    if (isExpired(record)) throw new UnauthorizedError(`API key ${record.id} expired at ${record.expiresAt}`);
    return principalOfKey(record);
  }
}

function digestOf(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
