import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';

import {
  InvalidRequestError,
  JobPriority,
  NotFoundError,
  Principal,
  RateLimit,
  Scope,
  TokenQuota,
  checkModelName,
  normalizeModelName,
  quote,
} from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

import { RecentKeys } from './recent-keys';

/** What an administrator decides about a key. */
export interface ApiKeySpec {
  name: string;
  scopes: Scope[];
  /** Model names (any form a client would send); absent: every model. */
  models?: string[];
  maxPriority?: JobPriority;
  rateLimit?: RateLimit;
  tokenQuota?: TokenQuota;
  maxConcurrent?: number;
  /** Fair-share weight within a priority class (absent: 1). */
  shareWeight?: number;
  /** Continue broken streams on another worker by default (docs/continuation.md). */
  continueStreams?: boolean;
  /** ISO time after which the key stops working (absent: never). */
  expiresAt?: string;
}

/** A stored key as the admin API shows it: everything but the secret. */
export interface ApiKeyRecord extends ApiKeySpec {
  id: string;
  /** The secret's first and last characters, to tell keys apart (`gllm_Ab…xY12`). */
  hint: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
  rotatedAt?: string;
}

/** A new or rotated key: the secret is returned this once and never stored. */
export interface IssuedApiKey {
  key: string;
  record: ApiKeyRecord;
}

const SECRET_PREFIX = 'gllm_';
/** lastUsedAt is a convenience, not an audit log: write it at most this often per key and process. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * API keys in Redis. A secret is 32 random bytes; only its SHA-256 is stored (a slow password hash adds
 * nothing for 256-bit random secrets and would cost every request). Lookup is two reads (hash → id,
 * then the record), kept for KEY_CACHE_MS (1 s): a revocation takes effect at once on the gateway that
 * made it and within a second on the others.
 */
@Injectable()
export class ApiKeyStore {
  private readonly lastUsedWrites = new Map<string, number>();
  private readonly recent = new RecentKeys<ApiKeyRecord>();

  constructor(private readonly client: RedisClient) {}

  async create(spec: ApiKeySpec): Promise<IssuedApiKey> {
    if (spec.expiresAt !== undefined && isExpired(spec)) {
      throw new InvalidRequestError('expiresAt must be in the future');
    }
    const id = `key_${randomBytes(8).toString('hex')}`;
    const key = newSecret();
    const record: ApiKeyRecord = {
      id,
      ...normalised(spec),
      hint: hintOf(key),
      createdAt: new Date().toISOString(),
    };
    const { redis, keys } = this.client;
    await redis
      .multi()
      .hset(keys.apiKey(id), { record: JSON.stringify(record), secretHash: sha256(key) })
      .set(keys.apiKeyBySecretHash(sha256(key)), id)
      .sadd(keys.apiKeys(), id)
      .exec();
    return { key, record };
  }

  /**
   * The key a secret belongs to, or null (unknown, revoked, or not one of ours); expired keys are returned.
   * A caller that already has the secret's SHA-256 (hex) passes it to spare a second hash.
   */
  async findBySecret(secret: string, secretHash = sha256(secret)): Promise<ApiKeyRecord | null> {
    if (!secret.startsWith(SECRET_PREFIX)) return null;
    const cached = this.recent.get(secretHash);
    if (cached) {
      if (!isExpired(cached)) this.noteUse(cached.id);
      return cached;
    }
    // The record is trusted for KEY_CACHE_MS from before it was read: a revocation that lands while the
    // reads are under way is still seen within KEY_CACHE_MS of it.
    const readAt = Date.now();
    const { redis, keys } = this.client;
    const id = await redis.get(keys.apiKeyBySecretHash(secretHash));
    if (!id) return null;
    const record = await this.get(id).catch(() => null);
    if (!record || record.revokedAt) return null;
    if (!isExpired(record)) this.noteUse(id);
    this.recent.set(secretHash, record, readAt);
    return record;
  }

  async get(id: string): Promise<ApiKeyRecord> {
    const [stored, lastUsedAt] = await this.client.redis.hmget(
      this.client.keys.apiKey(id),
      'record',
      'lastUsedAt',
    );
    if (!stored) throw new NotFoundError(`api key '${quote(id)}' not found`);
    return withLastUse(stored, lastUsedAt);
  }

  /** Every key, newest first (revoked ones included, marked). */
  async list(): Promise<ApiKeyRecord[]> {
    const { redis, keys } = this.client;
    const ids = await redis.smembers(keys.apiKeys());
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hmget(keys.apiKey(id), 'record', 'lastUsedAt');
    const rows = (await pipeline.exec()) ?? [];
    return rows
      .map(([, value]) => {
        const [stored, lastUsedAt] = (value ?? []) as Array<string | null>;
        return stored ? withLastUse(stored, lastUsedAt) : null;
      })
      .filter((record): record is ApiKeyRecord => record !== null)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The key stops working at once; its record and usage stay for the audit trail. */
  async revoke(id: string): Promise<ApiKeyRecord> {
    const record = await this.get(id);
    if (record.revokedAt) return record;
    const revoked = { ...record, revokedAt: new Date().toISOString() };
    const { redis, keys } = this.client;
    const secretHash = await redis.hget(keys.apiKey(id), 'secretHash');
    const transaction = redis.multi().hset(keys.apiKey(id), { record: JSON.stringify(revoked) });
    if (secretHash) transaction.del(keys.apiKeyBySecretHash(secretHash));
    await transaction.exec();
    this.recent.clear();
    return revoked;
  }

  /** A new secret for the same key (id, settings and usage kept); the old secret stops working at once. */
  async rotate(id: string): Promise<IssuedApiKey> {
    const record = await this.get(id);
    if (record.revokedAt) throw new NotFoundError(`api key '${quote(id)}' was revoked`);
    const key = newSecret();
    const rotated: ApiKeyRecord = { ...record, hint: hintOf(key), rotatedAt: new Date().toISOString() };
    const { redis, keys } = this.client;
    const oldHash = await redis.hget(keys.apiKey(id), 'secretHash');
    const transaction = redis
      .multi()
      .hset(keys.apiKey(id), { record: JSON.stringify(rotated), secretHash: sha256(key) })
      .set(keys.apiKeyBySecretHash(sha256(key)), id);
    if (oldHash) transaction.del(keys.apiKeyBySecretHash(oldHash));
    await transaction.exec();
    this.recent.clear();
    return { key, record: rotated };
  }

  private noteUse(id: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWrites.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWrites.set(id, now);
    const at = new Date(now).toISOString();
    void this.client.redis.hset(this.client.keys.apiKey(id), 'lastUsedAt', at).catch(() => undefined);
  }
}

export function isExpired(record: Pick<ApiKeyRecord, 'expiresAt'>, now = Date.now()): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now;
}

function withLastUse(stored: string, lastUsedAt: string | null | undefined): ApiKeyRecord {
  const record = JSON.parse(stored) as ApiKeyRecord;
  return lastUsedAt ? { ...record, lastUsedAt } : record;
}

/** The principal a stored key authenticates as. */
export function principalOfKey(record: ApiKeyRecord): Principal {
  return {
    kind: 'api-key',
    id: record.id,
    name: record.name,
    scopes: record.scopes,
    models: record.models,
    maxPriority: record.maxPriority,
    rateLimit: record.rateLimit,
    tokenQuota: record.tokenQuota,
    maxConcurrent: record.maxConcurrent,
    shareWeight: record.shareWeight,
    continueStreams: record.continueStreams,
  };
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

function hintOf(key: string): string {
  return `${key.slice(0, SECRET_PREFIX.length + 2)}…${key.slice(-4)}`;
}

function normalised(spec: ApiKeySpec): ApiKeySpec {
  const scopes = [...new Set(spec.scopes)];
  const models = spec.models
    ? [...new Set(spec.models.map((model) => normalizeModelName(checkModelName(model, 'models'))))]
    : undefined;
  const expiresAt = spec.expiresAt ? new Date(spec.expiresAt).toISOString() : undefined;
  return { ...spec, scopes, models, expiresAt };
}
