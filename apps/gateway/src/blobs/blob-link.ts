import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where workers download blobs; the signature in the query is the only credential. */
export const BLOB_DOWNLOAD_PATH = '/internal/blobs';

const CONTEXT = 'gridllm-blob-link:';

/** The query of a download link for `digest`, valid until `expiresAt` (unix seconds). */
export function signBlobLink(key: string, digest: string, expiresAt: number): string {
  return `expires=${expiresAt}&signature=${mac(key, digest, expiresAt)}`;
}

/** True when the link was signed with `key` for this digest and has not expired at `nowSeconds`. */
export function blobLinkValid(
  key: string,
  digest: string,
  expires: unknown,
  signature: unknown,
  nowSeconds: number,
): boolean {
  if (typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires))
    return false;
  const expiresAt = Number(expires);
  if (expiresAt < nowSeconds) return false;
  const given = Buffer.from(signature, 'utf8');
  const expected = Buffer.from(mac(key, digest, expiresAt), 'utf8');
  // Constant time: a forger learns nothing from how long a mismatch took.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function mac(key: string, digest: string, expiresAt: number): string {
  return createHmac('sha256', key)
    .update(CONTEXT + JSON.stringify([digest, expiresAt]))
    .digest('hex');
}
