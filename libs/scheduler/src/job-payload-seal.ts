import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

import { securityConfig } from '@gridllm/config';
import { GridError, InferenceJobData } from '@gridllm/contracts';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';

/** A sealed job this process cannot open (no WORKER_TOKEN, another token, or tampered data). */
export class SealedPayloadError extends GridError {
  readonly status = 502;
}

/**
 * Seals a job's request (the prompt) with a key derived from WORKER_TOKEN, so Redis holds only
 * ciphertext: a process with Redis access but without the grid's token reads no prompt from a queue.
 * AES-256-GCM with the job id as associated data, so a sealed request cannot be moved to another job.
 * Without a token nothing is sealed (an open grid).
 */
@Injectable()
export class JobPayloadSeal {
  private readonly key: Buffer | null;

  constructor(@Inject(securityConfig.KEY) security: Pick<ConfigType<typeof securityConfig>, 'workerToken'>) {
    this.key = security.workerToken
      ? Buffer.from(hkdfSync('sha256', security.workerToken, 'gridllm', 'job-request-v1', 32))
      : null;
  }

  /** The job's payload fields: the request as is (open grid), or `{}` plus `sealedRequest`. */
  seal(jobId: string, request: Record<string, unknown>): Pick<InferenceJobData, 'request' | 'sealedRequest'> {
    if (!this.key) return { request };
    const iv = randomBytes(12);
    const cipher = createCipheriv(ALGORITHM, this.key, iv).setAAD(Buffer.from(jobId));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(request), 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url'));
    return { request: {}, sealedRequest: [VERSION, ...parts].join('.') };
  }

  /** The request the engine receives. */
  open(data: Pick<InferenceJobData, 'id' | 'request' | 'sealedRequest'>): Record<string, unknown> {
    if (data.sealedRequest === undefined) return data.request;
    if (!this.key)
      throw new SealedPayloadError(`job ${data.id} is sealed with WORKER_TOKEN; this worker has none`);
    const [version, iv, tag, sealed] = data.sealedRequest.split('.');
    if (version !== VERSION || !iv || !tag || sealed === undefined) {
      throw new SealedPayloadError(`job ${data.id}: unknown sealed payload format`);
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(data.id))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new SealedPayloadError(`job ${data.id}: sealed with another WORKER_TOKEN, or altered`);
    }
  }
}
