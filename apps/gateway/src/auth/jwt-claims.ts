import {
  JOB_PRIORITIES,
  JobPriority,
  Principal,
  SCOPES,
  Scope,
  normalizeModelName,
} from '@gridllm/contracts';

/**
 * Maps a verified token's claims to a principal: `sub` (required) names it; scopes come from the
 * OAuth `scope` string, or a `scopes`/`scp` array; `models`, `max_priority`, `max_concurrent` and `share_weight`
 * restrict it like the same fields of an API key. Unknown scopes are ignored; no scope means no access.
 */
export function principalOfClaims(claims: Record<string, unknown>): Principal | null {
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) return null;
  const principal: Principal = {
    kind: 'jwt',
    id: `jwt:${claims.sub}`,
    name: typeof claims.name === 'string' ? claims.name : claims.sub,
    scopes: scopesOf(claims),
  };
  if (Array.isArray(claims.models)) {
    principal.models = claims.models
      .filter((m): m is string => typeof m === 'string')
      .map(normalizeModelName);
  }
  if (JOB_PRIORITIES.includes(claims.max_priority as JobPriority)) {
    principal.maxPriority = claims.max_priority as JobPriority;
  }
  if (typeof claims.max_concurrent === 'number' && Number.isInteger(claims.max_concurrent)) {
    principal.maxConcurrent = claims.max_concurrent;
  }
  if (typeof claims.share_weight === 'number' && claims.share_weight > 0 && claims.share_weight <= 1000) {
    principal.shareWeight = claims.share_weight;
  }
  return principal;
}

function scopesOf(claims: Record<string, unknown>): Scope[] {
  const raw =
    typeof claims.scope === 'string'
      ? claims.scope.split(/\s+/)
      : Array.isArray(claims.scopes)
        ? claims.scopes
        : Array.isArray(claims.scp)
          ? claims.scp
          : [];
  return [...new Set(raw.filter((scope): scope is Scope => SCOPES.includes(scope as Scope)))];
}
