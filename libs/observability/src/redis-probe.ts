import { withTimeout } from './with-timeout';

/** The part of an ioredis connection a probe looks at. */
export interface ProbedConnection {
  readonly status: string;
}

/** Redis is not connected right now; the probe did not send anything. */
export class RedisUnavailableError extends Error {
  constructor(
    readonly what: string,
    readonly connectionStatus: string,
  ) {
    super(`${what}: redis connection is ${connectionStatus}`);
    this.name = RedisUnavailableError.name;
  }
}

/**
 * States in which a command goes out as soon as the connection is established (a connection made on
 * first use, or one whose TCP handshake is under way): worth waiting for, within the timeout.
 */
const CONNECTING = new Set(['wait', 'connecting', 'connect']);

/**
 * Runs `command` only while the connection is up or coming up, and within `timeoutMs`. ioredis queues
 * commands while disconnected (and our connections retry forever), so an unguarded probe would hang
 * until Redis returns; between reconnect attempts (`reconnecting`) it fails at once.
 */
export function probeRedis<C extends ProbedConnection, T>(
  connection: C,
  timeoutMs: number,
  what: string,
  command: (connection: C) => Promise<T>,
): Promise<T> {
  const usable = connection.status === 'ready' || CONNECTING.has(connection.status);
  if (!usable) return Promise.reject(new RedisUnavailableError(what, connection.status));
  return withTimeout(command(connection), timeoutMs, what);
}
