/** A probe (Redis call, engine call) that did not answer in time. */
export class ProbeTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what}: no answer in ${timeoutMs} ms`);
    this.name = ProbeTimeoutError.name;
  }
}

/**
 * Settles with `work`, or rejects with ProbeTimeoutError after `timeoutMs`. The work itself is not
 * cancelled (ioredis cannot take back a queued command): callers check the connection state first.
 */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError(what, timeoutMs)), timeoutMs);
    timer.unref();
  });
  // A late rejection of the abandoned work must not surface as an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
