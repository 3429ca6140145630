/** Errors ioredis raises when Redis cannot be reached or does not answer in time. */
const UNREACHABLE = [
  /Command timed out/i,
  /Connection is closed/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/,
  /Stream isn't writeable/i,
  /Reached the max retries per request limit/i,
  // A failover in progress: a demoted or replica-less master, a cluster without a majority or mid-resharding.
  /^(READONLY|NOREPLICAS|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|LOADING)\b/,
  /Failed to refresh slots cache|Cluster isn't ready|All sentinels are unreachable/i,
];

/** True when `error` means "Redis is unreachable right now" rather than a bug or bad input. */
export function isRedisUnavailable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return UNREACHABLE.some((pattern) => pattern.test(message));
}
