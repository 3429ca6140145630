import type { Request } from 'express';

/** The header that names a sticky session on every inference endpoint of every API family. */
export const SESSION_HEADER = 'x-gridllm-session';

/** Longer names are cut: the name is only hashed (with its owner) into a Redis key. */
const MAX_SESSION_CHARS = 256;

/**
 * The session a request names: the `x-gridllm-session` header, else the family's body field (OpenAI's
 * `user`, the native API's `session`); undefined when neither is a non-empty string.
 */
export function sessionOf(req: Request, bodyField?: unknown): string | undefined {
  const header = req.headers[SESSION_HEADER];
  const named = typeof header === 'string' && header.trim() ? header : bodyField;
  if (typeof named !== 'string' || !named.trim()) return undefined;
  return named.trim().slice(0, MAX_SESSION_CHARS);
}
