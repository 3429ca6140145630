import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomBytes } from 'node:crypto';

import { securityConfig } from '@gridllm/config';
import { WorkerInfo } from '@gridllm/contracts';

import { registrationSignedWith, signRegistration } from './worker-token';

/** Verdicts kept before the cache starts over (a few per worker boot; bounded against a flood of fakes). */
const CACHE_LIMIT = 10_000;

/**
 * Signs this worker's registration with WORKER_TOKEN, and tells a gateway which registrations to trust.
 * Without a token nothing is signed and every registration is trusted (today's open grid).
 */
@Injectable()
export class RegistrationSigner {
  private readonly logger = new Logger(RegistrationSigner.name);
  /** One per process: a restarted worker signs anew. */
  private readonly nonce = randomBytes(12).toString('hex');
  private signature: { startedAt: number; value: string } | null = null;
  private readonly verdicts = new Map<string, boolean>();
  private readonly warned = new Set<string>();

  constructor(
    @Inject(securityConfig.KEY)
    private readonly security: Pick<ConfigType<typeof securityConfig>, 'workerToken'>,
  ) {}

  /** Whether registrations are signed and checked here. */
  get enforcing(): boolean {
    return this.security.workerToken !== undefined;
  }

  /** The registration as published: signed when this process holds a token. */
  sign(info: WorkerInfo): WorkerInfo {
    const token = this.security.workerToken;
    if (!token) return info;
    if (this.signature?.startedAt !== info.startedAt)
      this.signature = { startedAt: info.startedAt, value: signRegistration(token, info, this.nonce) };
    return { ...info, signature: this.signature.value };
  }

  /** True when this process may count the worker; warns once per worker id that it may not. */
  trusts(info: WorkerInfo): boolean {
    const token = this.security.workerToken;
    if (!token) return true;
    // The signed fields and the signature fully decide the verdict, so it is cached on them.
    const cacheKey = JSON.stringify([info.id, info.startedAt, info.signature ?? null]);
    let trusted = this.verdicts.get(cacheKey);
    if (trusted === undefined) {
      trusted = registrationSignedWith(token, info, info.signature);
      if (this.verdicts.size >= CACHE_LIMIT) this.verdicts.clear();
      this.verdicts.set(cacheKey, trusted);
    }
    if (!trusted && !this.warned.has(info.id)) {
      if (this.warned.size >= CACHE_LIMIT) this.warned.clear();
      this.warned.add(info.id);
      this.logger.warn(
        `ignoring worker ${info.id}: its registration is ${info.signature ? "not signed with this grid's WORKER_TOKEN" : 'unsigned'}`,
      );
    }
    return trusted;
  }
}
