import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Request, Response } from 'express';
import { PassThrough } from 'node:stream';

import { gatewayConfig } from '@gridllm/config';
import { GridError, InvalidRequestError, UnauthorizedError } from '@gridllm/contracts';

import { BlobNotFoundError, BlobTooLargeError, DigestMismatchError, canonicalDigest } from './blob-digest';
import { BlobLinkSigner } from './blob-link-signer';
import { BLOB_STORE, BlobStore } from './blob-store';

/** Ollama's blob endpoints over the gateway's blob store, and the signed download workers use. */
@Injectable()
export class BlobService {
  private readonly logger = new Logger(BlobService.name);

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    private readonly signer: BlobLinkSigner,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
  ) {}

  /** `HEAD /api/blobs/:digest`: resolves when the store holds it, else 404 in Ollama's words. */
  async exists(digest: string): Promise<void> {
    if ((await this.store.size(canonicalDigest(digest))) === null) throw new BlobNotFoundError(digest);
  }

  /** Whether every digest is in the store (for `/api/create`); the missing ones, canonical. */
  async missing(digests: string[]): Promise<string[]> {
    const sizes = await Promise.all(digests.map((digest) => this.store.size(digest)));
    return digests.filter((_, index) => sizes[index] === null);
  }

  /**
   * `POST /api/blobs/:digest`: 201 once stored, 200 when already held (as Ollama), 400 when the bytes
   * hash to another digest, 413 beyond BLOB_MAX_BYTES. The body streams to disk; it is never held whole.
   */
  async upload(digest: string, req: Request, res: Response): Promise<void> {
    const expected = canonicalDigest(digest);
    const { maxBytes } = this.gateway.blobs;
    // Any answer given before the body is read in full closes the connection: the rest is not wanted.
    res.setHeader('Connection', 'close');
    if ((await this.store.size(expected)) !== null) return void res.status(200).end();
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw new BlobTooLargeError(maxBytes);
    // Through a PassThrough: a failed write then destroys it, not the request's socket, so the 413 still arrives.
    const body = req.pipe(new PassThrough());
    req.once('close', () => {
      if (!req.complete) body.destroy(new Error('client went away'));
    });
    const written = await this.store.write(expected, body, maxBytes).catch((error: unknown) => {
      req.unpipe(body);
      if (error instanceof GridError) throw error;
      if (req.destroyed || !req.complete)
        throw new InvalidRequestError('request aborted while its body was read');
      throw error;
    });
    if (!written.stored) throw new DigestMismatchError(digest, written.digest);
    this.logger.log(`stored blob ${expected} (${written.size} bytes)`);
    res.removeHeader('Connection');
    res.status(201).end();
  }

  /** A signed, expiring URL a worker downloads the blob from. */
  link(digest: string, origin: string): Promise<string> {
    return this.signer.link(digest, origin);
  }

  /** The signed download: the whole blob, or from a `Range: bytes=N-` on (a worker resuming). */
  async download(digest: string, query: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const canonical = canonicalDigest(digest);
    if (!(await this.signer.valid(canonical, query.expires, query.signature)))
      throw new UnauthorizedError('invalid or expired blob link');
    const size = await this.store.size(canonical);
    if (size === null) throw new BlobNotFoundError(digest);
    const start = rangeStart(req.headers.range, size);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(size - start));
    if (start > 0) res.status(206).setHeader('Content-Range', `bytes ${start}-${size - 1}/${size}`);
    this.store
      .read(canonical, start)
      .on('error', (error) => res.destroy(error))
      .pipe(res);
  }
}

/** The start of an open-ended `bytes=N-` range within the blob; 0 for no (or another kind of) range. */
function rangeStart(range: string | undefined, size: number): number {
  const match = /^bytes=(\d+)-$/.exec(range ?? '');
  const start = match ? Number(match[1]) : 0;
  return start < size ? start : 0;
}
