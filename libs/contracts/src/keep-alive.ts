const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** How long a model stays loaded after a request: milliseconds, or `Infinity` (keep forever). */
export type KeepAliveMs = number;

/**
 * Ollama's `keep_alive`: a Go duration string (`"5m"`, `"1h30m"`, `"300ms"`), a number of seconds, or any
 * negative value for "forever"; `0` unloads right after the request. Returns null when it cannot be read.
 */
export function parseKeepAlive(value: unknown): KeepAliveMs | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 0 ? Infinity : value * 1000;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return parseKeepAlive(Number(text));
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const parts = [...body.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== body) return null;
  const ms = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * UNIT_MS[unit], 0);
  return negative ? Infinity : ms;
}
