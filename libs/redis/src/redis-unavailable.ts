/** Errors ioredis raises when Redis cannot be reached or does not answer in time. */
const UNREACHABLE = [
  /Command timed out/i,
  /Connection is closed/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/,
  /Stream isn't writeable/i,
  /Reached the max retries per request limit/i,
];

/** True when `error` means "Redis is unreachable right now" rather than a bug or bad input. */
export function isRedisUnavailable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return UNREACHABLE.some((pattern) => pattern.test(message));
}
