import { GridError, InvalidRequestError, quote } from '@gridllm/contracts';

/** Ollama's rule (manifest.BlobsPath): only real sha256 digests, `sha256:` or `sha256-` then 64 hex digits. */
const DIGEST = /^sha256[:-]([0-9a-fA-F]{64})$/;

/** An upload whose bytes hash to another digest than its URL names. */
export class DigestMismatchError extends InvalidRequestError {
  constructor(expected: string, actual: string) {
    super(`digest mismatch, expected "${quote(expected)}", got "${actual}"`);
  }
}

/** A blob upload over BLOB_MAX_BYTES. */
export class BlobTooLargeError extends GridError {
  readonly status = 413;
  constructor(maxBytes: number) {
    super(`blob larger than BLOB_MAX_BYTES (${maxBytes} bytes)`);
  }
}

/** Ollama's HEAD answer for a blob it does not hold. */
export class BlobNotFoundError extends GridError {
  readonly status = 404;
  constructor(digest: string) {
    super(`blob "${quote(digest)}" not found`);
  }
}

/** `sha256:<lower-case hex>` for a valid digest in either of Ollama's spellings; 400 otherwise. */
export function canonicalDigest(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match) throw new InvalidRequestError('invalid digest format');
  return `sha256:${match[1].toLowerCase()}`;
}
