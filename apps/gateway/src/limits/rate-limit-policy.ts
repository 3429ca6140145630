import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DEFAULT_IPV6_SUBNET_PREFIX, normalizeIp } from '@nestjs/throttler';
import type { Request } from 'express';

import { securityConfig } from '@gridllm/config';
import { Principal, RateLimit } from '@gridllm/contracts';

import { isPublicPath } from '../auth/access-rules';
import { principalOf } from '../auth/principal';

/** The request-rate limit one request falls under, and the counter it adds 1 to. */
export interface AppliedRateLimit extends RateLimit {
  /** Counter name shared by every gateway: the principal's id, or `ip:<address>` without one. */
  tracker: string;
  /** Who is limited, for the 429 message: a key id or an address, never a secret. */
  subject: string;
}

/**
 * Decides which requests are rate limited, by how much, and who pays. Every HTTP request costs 1,
 * streaming or not, on every route but the public paths: one counter per principal for all routes.
 */
@Injectable()
export class RateLimitPolicy {
  constructor(@Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>) {}

  /** The limit for `req`, or null when it has none (a public path, or 0 requests allowed). */
  limitFor(req: Request): AppliedRateLimit | null {
    // Cheapest checks first: with the default (0) nothing else runs and Redis is not asked.
    const principal = principalOf(req);
    const { requests, windowSeconds } = principal?.rateLimit ?? this.security.rateLimit;
    // The public paths (probes, docs, /metrics) must answer however busy a client is.
    if (requests <= 0 || isPublicPath(req.path)) return null;
    return { requests, windowSeconds, ...whoPays(req, principal) };
  }
}

function whoPays(
  req: Request,
  principal: Principal | undefined,
): Pick<AppliedRateLimit, 'tracker' | 'subject'> {
  if (principal) {
    const subject = principal.kind === 'api-key' ? `key ${principal.id}` : principal.id;
    return { tracker: principal.id, subject };
  }
  // req.ip is the socket's peer unless Express's `trust proxy` is set: behind a proxy that is the proxy.
  // IPv6 clients are counted per /64, the block one host usually holds.
  const address = normalizeIp(req.ip ?? req.socket?.remoteAddress ?? 'unknown', DEFAULT_IPV6_SUBNET_PREFIX);
  return { tracker: `ip:${address}`, subject: `client ${address}` };
}
