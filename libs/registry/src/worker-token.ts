import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WORKER_TOKEN never leaves the process: Redis holds an HMAC proof of it, and each worker registration
 * carries an HMAC signature made with it. Both are versioned so the scheme can change later.
 */
const VERSION = 'v1';
const PROOF_CONTEXT = 'gridllm-worker-token:';
const SIGNATURE_CONTEXT = 'gridllm-worker-registration:';

/** `v1:<salt>:<hex HMAC-SHA256(token, 'gridllm-worker-token:' + salt)>`: proves the grid's token without revealing it. */
export function workerTokenProof(token: string, salt = randomBytes(16).toString('hex')): string {
  return `${VERSION}:${salt}:${hmac(token, PROOF_CONTEXT + salt)}`;
}

/** True when `proof` was made with `token`. A malformed or other-version proof never matches. */
export function workerTokenMatches(token: string, proof: string): boolean {
  const [version, salt, mac, ...rest] = proof.split(':');
  if (version !== VERSION || !salt || !mac || rest.length > 0) return false;
  return sameHex(mac, hmac(token, PROOF_CONTEXT + salt));
}

/** The fields of a registration that its signature covers: stable for one run of one worker. */
export interface SignedRegistration {
  id: string;
  startedAt: number;
}

/** `v1:<nonce>:<hex HMAC>` over the worker id, its start time and a per-boot nonce. */
export function signRegistration(
  token: string,
  registration: SignedRegistration,
  nonce = randomBytes(12).toString('hex'),
): string {
  return `${VERSION}:${nonce}:${hmac(token, signedText(registration, nonce))}`;
}

/** True when `signature` was made with `token` for this worker id and start time. */
export function registrationSignedWith(
  token: string,
  registration: SignedRegistration,
  signature: string | undefined,
): boolean {
  const [version, nonce, mac, ...rest] = (signature ?? '').split(':');
  if (version !== VERSION || !nonce || !mac || rest.length > 0) return false;
  return sameHex(mac, hmac(token, signedText(registration, nonce)));
}

function signedText({ id, startedAt }: SignedRegistration, nonce: string): string {
  // JSON keeps the fields apart whatever characters a worker id holds.
  return SIGNATURE_CONTEXT + JSON.stringify([id, startedAt, nonce]);
}

function hmac(token: string, text: string): string {
  return createHmac('sha256', token).update(text).digest('hex');
}

/** Constant-time comparison, so a forger learns nothing from how long a mismatch took. */
function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
