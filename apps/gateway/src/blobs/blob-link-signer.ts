import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomBytes } from 'node:crypto';

import { gatewayConfig, securityConfig } from '@gridllm/config';
import { RedisClient } from '@gridllm/redis';

import { BLOB_DOWNLOAD_PATH, blobLinkValid, signBlobLink } from './blob-link';

/** Long enough for a worker to start a download of tens of GB; a started download is not cut at expiry. */
const LINK_TTL_SECONDS = 3600;

/**
 * Signs the links workers download blobs with, and checks them. The key is WORKER_TOKEN (only the grid's
 * gateways and workers hold it); a grid without one uses a random key its gateways share through Redis,
 * so a link signed by one gateway opens on any other behind the same balancer.
 */
@Injectable()
export class BlobLinkSigner {
  private sharedKey: string | null = null;

  constructor(
    private readonly client: RedisClient,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
  ) {}

  /** A download URL for the blob; `origin` is where the create request came in, used without GATEWAY_PUBLIC_URL. */
  async link(digest: string, origin: string): Promise<string> {
    const base = this.gateway.blobs.publicUrl ?? origin;
    const expiresAt = Math.floor(Date.now() / 1000) + LINK_TTL_SECONDS;
    return `${base}${BLOB_DOWNLOAD_PATH}/${digest}?${signBlobLink(await this.key(), digest, expiresAt)}`;
  }

  async valid(digest: string, expires: unknown, signature: unknown): Promise<boolean> {
    return blobLinkValid(await this.key(), digest, expires, signature, Math.floor(Date.now() / 1000));
  }

  private async key(): Promise<string> {
    if (this.security.workerToken) return this.security.workerToken;
    if (this.sharedKey) return this.sharedKey;
    const { redis, keys } = this.client;
    await redis.set(keys.blobLinkKey(), randomBytes(32).toString('hex'), 'NX');
    this.sharedKey = await redis.get(keys.blobLinkKey());
    if (!this.sharedKey) throw new Error('the blob link key vanished from Redis');
    return this.sharedKey;
  }
}
