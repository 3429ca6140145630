import { Injectable } from '@nestjs/common';

import { NotFoundError, quote } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

/** A key's webhook settings as the admin API shows them: never the secret itself. */
export interface KeyWebhookView {
  id: string;
  /** The callback of the key's async jobs that name none. */
  url: string | null;
  secretSet: boolean;
}

/** A change: a string sets, null clears, undefined keeps. */
export interface KeyWebhookChange {
  url?: string | null;
  secret?: string | null;
}

const URL_FIELD = 'webhookUrl';
const SECRET_FIELD = 'webhookSecret';

/**
 * A key's default callback and signing secret, stored as fields of the key's hash (outside its JSON record,
 * so no listing or key answer ever carries the secret). The secret is stored as given, not hashed: the
 * gateway must sign with it. Redis already holds what runs the grid, so it is trusted with it; it is
 * never logged and never returned after it is set.
 */
@Injectable()
export class KeyWebhookStore {
  constructor(private readonly client: RedisClient) {}

  async view(keyId: string): Promise<KeyWebhookView> {
    const [record, url, secret] = await this.client.redis.hmget(
      this.hashOf(keyId),
      'record',
      URL_FIELD,
      SECRET_FIELD,
    );
    if (!record) throw new NotFoundError(`api key '${quote(keyId)}' not found`);
    return { id: keyId, url: url ?? null, secretSet: Boolean(secret) };
  }

  async change(keyId: string, change: KeyWebhookChange): Promise<KeyWebhookView> {
    await this.view(keyId);
    const transaction = this.client.redis.multi();
    for (const [field, value] of [
      [URL_FIELD, change.url],
      [SECRET_FIELD, change.secret],
    ] as const) {
      if (value === null) transaction.hdel(this.hashOf(keyId), field);
      else if (value !== undefined) transaction.hset(this.hashOf(keyId), field, value);
    }
    await transaction.exec();
    return this.view(keyId);
  }

  async defaultUrl(keyId: string): Promise<string | null> {
    return this.client.redis.hget(this.hashOf(keyId), URL_FIELD);
  }

  async secret(keyId: string): Promise<string | null> {
    return this.client.redis.hget(this.hashOf(keyId), SECRET_FIELD);
  }

  private hashOf(keyId: string): string {
    return this.client.keys.apiKey(keyId);
  }
}
