import type { Request } from 'express';

/** The 401 message for a request without any credential. */
export const MISSING_CREDENTIALS = 'missing API key: send Authorization: Bearer <key> or x-api-key: <key>';

/**
 * The credential a request presents: `Authorization: Bearer <key or token>` (what ollama-js and
 * openai-node send) or `x-api-key: <key>`. Null when there is none.
 */
export function presentedCredential(req: Request): string | null {
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = req.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim().length > 0) return apiKey.trim();
  return null;
}

/** A compact JWS (`header.payload.signature`, base64url parts) as opposed to an opaque API key. */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);
}
