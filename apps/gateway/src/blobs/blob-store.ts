import type { Readable } from 'node:stream';

/** What a finished upload found: the digest its bytes hash to, and whether the store now holds them. */
export interface BlobWrite {
  digest: string;
  size: number;
  stored: boolean;
}

/**
 * Where uploaded model files live. Digests are canonical (`sha256:<hex>`). Large blobs never pass
 * through memory whole: writes and reads are streams.
 */
export interface BlobStore {
  /** The blob's size in bytes, or null when the store does not hold it. */
  size(digest: string): Promise<number | null>;
  /**
   * Streams `source` in while hashing it, and keeps it under `expected` only when the hash matches (the
   * blob appears at once, whole, or not at all). Throws BlobTooLargeError beyond `maxBytes`.
   */
  write(expected: string, source: Readable, maxBytes: number): Promise<BlobWrite>;
  /** The blob's bytes from `start` on. */
  read(digest: string, start: number): Readable;
}

/** Nest injection token for the configured blob store. */
export const BLOB_STORE = Symbol('BLOB_STORE');
