import Redis from 'ioredis';

import { RedisSettings } from '@gridllm/config';
import { compareVersions } from '@gridllm/contracts';

import { redisOptions } from './redis-connection.factory';

/**
 * A boot-time refusal: this process may not use the grid (Redis credentials, TLS, WORKER_TOKEN). Its
 * message is one line for the operator and never contains a secret.
 */
export class GridAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = GridAccessError.name;
  }
}

/** Result of the boot check when Redis did not refuse us: reachable, or down for now (the app retries). */
export type RedisPreflight = { reachable: true } | { reachable: false; reason: string };

const PREFLIGHT_TIMEOUT_MS = 3000;

/** Node's codes for a certificate the client does not trust or that does not fit the host. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The oldest Redis GridLLM runs on: its scripts use GETDEL and the dashboard's series XADD MINID (both 6.2).
 * On an older one every job's completion would fail; refused at boot instead.
 */
export const MIN_REDIS_VERSION = '6.2.0';

/**
 * Asks Redis its version (INFO server) once on a fresh connection that does not retry. Wrong credentials,
 * a missing permission, a failed TLS handshake or a Redis older than MIN_REDIS_VERSION will never heal by
 * retrying, so they throw GridAccessError; a Redis that is merely down is reported and left to the apps'
 * usual reconnecting.
 */
export async function checkRedisAccess(
  settings: RedisSettings,
  timeoutMs = PREFLIGHT_TIMEOUT_MS,
): Promise<RedisPreflight> {
  const errors: Error[] = [];
  const connection = new Redis({
    ...preflightOptions(settings),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  connection.on('error', (error: Error) => errors.push(error));
  let info: string;
  try {
    await connection.connect();
    info = await connection.info('server');
  } catch (error) {
    errors.push(error as Error);
    const refusal = errors.map((cause) => redisRefusal(cause, settings)).find(Boolean);
    if (refusal) throw new GridAccessError(refusal);
    return { reachable: false, reason: unreachableReason(errors[0], settings) };
  } finally {
    connection.disconnect();
  }
  const tooOld = versionRefusal(info, settings);
  if (tooOld) throw new GridAccessError(tooOld);
  return { reachable: true };
}

/** The operator's one-line explanation when INFO server's `info` names a Redis older than MIN_REDIS_VERSION. */
export function versionRefusal(info: string, settings: RedisSettings): string | null {
  const version = /^redis_version:([\d.]+)/m.exec(info)?.[1];
  if (!version || compareVersions(version, MIN_REDIS_VERSION) >= 0) return null;
  return `${describeRedis(settings)} runs Redis ${version}; GridLLM needs Redis ${MIN_REDIS_VERSION} or newer`;
}

/** A TLS-only Redis resets a plain connection: indistinguishable from a crash, so only hinted at. */
function unreachableReason(error: Error & { code?: string }, settings: RedisSettings): string {
  if (error.code === 'ECONNRESET' && !settings.tls)
    return `${error.message}; if Redis requires TLS, use rediss:// or REDIS_TLS=true`;
  return error.message;
}

function preflightOptions(settings: RedisSettings): ReturnType<typeof redisOptions> {
  try {
    return redisOptions(settings, 'gridllm-preflight');
  } catch (error) {
    // Only the TLS files are read here.
    throw new GridAccessError(
      `cannot read a Redis TLS file (REDIS_TLS_CA / REDIS_TLS_CERT / REDIS_TLS_KEY): ${(error as Error).message}`,
    );
  }
}

/** The operator's one-line explanation when `error` means Redis will never accept us as configured; else null. */
export function redisRefusal(error: Error & { code?: string }, settings: RedisSettings): string | null {
  const where = describeRedis(settings);
  const user = settings.username ?? 'default';
  const reply = error.message;
  if (reply.startsWith('WRONGPASS'))
    return `${where} refused the credentials of user "${user}" (WRONGPASS): check REDIS_USERNAME and REDIS_PASSWORD`;
  if (reply.startsWith('NOAUTH'))
    return `${where} requires authentication (NOAUTH): set REDIS_PASSWORD, and REDIS_USERNAME for an ACL user`;
  if (reply.startsWith('NOPERM'))
    return `${where}: user "${user}" lacks a permission (${reply}): grant the ACL in docs/security.md`;
  return tlsRefusal(error, where);
}

/** Where GridLLM looks for Redis, for operator messages (no credentials). */
export function describeRedis({ topology, host, port }: RedisSettings): string {
  const list = (nodes: Array<{ host: string; port: number }>) =>
    nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (topology.mode === 'sentinel')
    return `Redis master "${topology.masterName}" (sentinels ${list(topology.sentinels)})`;
  if (topology.mode === 'cluster') return `Redis Cluster at ${list(topology.nodes)}`;
  return `Redis at ${host}:${port}`;
}

function tlsRefusal(error: Error & { code?: string }, where: string): string | null {
  const code = error.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `TLS with ${where} failed (${error.message}): connect by a name the certificate holds`;
  if (CERTIFICATE_CODES.has(code))
    return `TLS with ${where} failed (${error.message}): set REDIS_TLS_CA to the CA that signed Redis's certificate`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER')
    return `TLS with ${where} failed: this port does not speak TLS (use redis:// and REDIS_TLS=false, or Redis's tls-port)`;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
    return `TLS with ${where} failed (${error.message}): check REDIS_TLS_CA, REDIS_TLS_CERT and REDIS_TLS_KEY`;
  return null;
}
