import { JobPriority } from './job';

/**
 * What a credential may do. `admin` implies every other scope; `dashboard` only reads the live grid
 * (`GET /admin/events`, `GET /admin/dashboard`), for a screen that watches but cannot act.
 */
export type Scope = 'inference' | 'models:manage' | 'dashboard' | 'admin';

export const SCOPES: readonly Scope[] = ['inference', 'models:manage', 'dashboard', 'admin'];

/** Requests allowed per window. */
export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

/** Prompt + completion tokens allowed per period (`total`: over the key's lifetime). */
export interface TokenQuota {
  tokens: number;
  period: QuotaPeriod;
}

export type QuotaPeriod = 'day' | 'month' | 'total';

export const QUOTA_PERIODS: readonly QuotaPeriod[] = ['day', 'month', 'total'];

/** Who made a request, as authentication established it (Express's `req.user`). */
export interface Principal {
  /** `api-key`: a stored key; `admin-key`: ADMIN_API_KEY; `jwt`: a verified token. With auth off there is none. */
  kind: 'api-key' | 'admin-key' | 'jwt';
  /** Stable id for limits and usage: the key id, `admin`, or `jwt:<sub>`. */
  id: string;
  name?: string;
  scopes: readonly Scope[];
  /** Normalised model names this principal may use; absent means every model. */
  models?: readonly string[];
  /** Jobs asking for more are lowered to this priority. */
  maxPriority?: JobPriority;
  /** Overrides the gateway's RATE_LIMIT_* for this principal. */
  rateLimit?: RateLimit;
  tokenQuota?: TokenQuota;
  /** Jobs queued or running at once; overrides KEY_MAX_CONCURRENT. */
  maxConcurrent?: number;
  /** Fair-share weight (default 1): an owner of weight 2 gets twice the tokens of one of weight 1. */
  shareWeight?: number;
  /** Streams continue on another worker when theirs dies (x-gridllm-continue overrides it per request). */
  continueStreams?: boolean;
}

/** Whose job it is, for usage accounting and per-owner limits (absent when auth is off). */
export interface JobOwner {
  id: string;
  /** 0 or absent: no limit. */
  maxConcurrent?: number;
  tokenQuota?: TokenQuota;
  /** Fair-share weight; absent: 1. */
  shareWeight?: number;
}

/** Whether a principal holds a scope (`admin` holds them all). */
export function hasScope(principal: Pick<Principal, 'scopes'>, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}
