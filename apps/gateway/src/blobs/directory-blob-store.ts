import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { BlobTooLargeError } from './blob-digest';
import { BlobStore, BlobWrite } from './blob-store';

/**
 * Blobs as files `sha256-<hex>` in one directory, which gateways may share (a volume). An upload goes to
 * a temporary file in `.partial/` on the same file system and is renamed into place once its hash
 * matches: rename is atomic, so another gateway never sees half a blob.
 */
export class DirectoryBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  async size(digest: string): Promise<number | null> {
    try {
      const info = await stat(this.pathOf(digest));
      return info.isFile() ? info.size : null;
    } catch {
      return null;
    }
  }

  async write(expected: string, source: Readable, maxBytes: number): Promise<BlobWrite> {
    const partialDir = join(this.dir, '.partial');
    await mkdir(partialDir, { recursive: true });
    const partial = join(partialDir, randomUUID());
    const hashing = new HashingLimit(maxBytes);
    try {
      await pipeline(source, hashing, createWriteStream(partial));
      const digest = `sha256:${hashing.hex()}`;
      const stored = digest === expected;
      if (stored) await rename(partial, this.pathOf(digest));
      return { digest, size: hashing.bytes, stored };
    } finally {
      await rm(partial, { force: true });
    }
  }

  read(digest: string, start: number): Readable {
    return createReadStream(this.pathOf(digest), { start });
  }

  private pathOf(digest: string): string {
    return join(this.dir, digest.replace(':', '-'));
  }
}

/** Hashes what passes through and fails the stream once more than `maxBytes` came. */
class HashingLimit extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(new BlobTooLargeError(this.maxBytes));
    this.hash.update(chunk);
    done(null, chunk);
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}
