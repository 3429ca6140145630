import type { Request } from 'express';

/** `http(s)://host[:port]` as the client reached this gateway (honours TRUST_PROXY for the protocol). */
export function requestOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
