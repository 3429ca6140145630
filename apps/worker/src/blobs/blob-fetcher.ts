import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Download progress of one blob, in bytes. */
export type BlobProgress = (completed: number, total: number) => void;

const ATTEMPTS = 6;
const RETRY_BASE_MS = 250;

/**
 * Downloads a blob from a gateway's signed link into a local file: outbound HTTP only, a broken
 * transfer resumes where it stopped (`Range`), and the file is kept only when its sha256 is the digest.
 */
@Injectable()
export class BlobFetcher {
  private readonly logger = new Logger(BlobFetcher.name);

  /** The path of the verified file in `dir` (named after the digest); the caller moves or removes it. */
  async fetch(
    url: string,
    digest: string,
    dir: string,
    onProgress: BlobProgress,
    signal: AbortSignal,
  ): Promise<string> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${digest.replace(':', '-')}.partial`);
    await rm(path, { force: true });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.transfer(url, path, onProgress, signal);
        break;
      } catch (error) {
        if (signal.aborted || attempt >= ATTEMPTS || error instanceof LinkRefusedError) {
          await rm(path, { force: true });
          throw error;
        }
        this.logger.warn(`blob ${digest}: attempt ${attempt} broke (${(error as Error).message}); resuming`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * attempt));
      }
    }
    const actual = await sha256Of(path);
    if (actual !== digest) {
      await rm(path, { force: true });
      throw new Error(`blob ${digest} arrived with digest ${actual}`);
    }
    return path;
  }

  /** One attempt: asks for the bytes after those already on disk, and appends what comes. */
  private async transfer(
    url: string,
    path: string,
    onProgress: BlobProgress,
    signal: AbortSignal,
  ): Promise<void> {
    const have = await stat(path).then(
      (info) => info.size,
      () => 0,
    );
    const res = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {}, signal);
    if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404) {
      res.resume();
      throw new LinkRefusedError(`the gateway refused the blob link (HTTP ${res.statusCode})`);
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      res.resume();
      throw new Error(`the gateway answered HTTP ${res.statusCode}`);
    }
    // A 200 to a range request means the server starts over: so do we.
    const resumed = res.statusCode === 206;
    const start = resumed ? have : 0;
    const total = start + Number(res.headers['content-length'] ?? 0);
    let completed = start;
    res.on('data', (part: Buffer) => {
      completed += part.length;
      onProgress(completed, total);
    });
    await pipeline(res, createWriteStream(path, { flags: resumed ? 'a' : 'w' }));
    if (completed < total) throw new Error(`transfer ended at ${completed} of ${total} bytes`);
  }
}

/** The link itself was refused (expired, forged, unknown blob): retrying cannot help. */
class LinkRefusedError extends Error {}

function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { headers, signal }, resolve);
    req.once('error', reject);
    req.end();
  });
}

function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(`sha256:${hash.digest('hex')}`));
  });
}
