import { Logform, format } from 'winston';

/** Nest's levels as winston levels, most severe first (Nest's `log` is `info`). */
export const LOG_LEVELS = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5 } as const;

export type WinstonLevel = keyof typeof LOG_LEVELS;

export type LogFormat = 'json' | 'pretty';

/** LOG_LEVEL (Nest's names plus `info`) → the winston level; unknown values fall back to `info`. */
export function winstonLevel(logLevel: string | undefined): WinstonLevel {
  const level = logLevel === 'log' ? 'info' : logLevel;
  return level && level in LOG_LEVELS ? (level as WinstonLevel) : 'info';
}

/** Meta keys that could carry content or secrets: replaced should any caller pass them. */
const REDACTED_KEYS = new Set([
  'prompt',
  'messages',
  'images',
  'input',
  'system',
  'suffix',
  'content',
  'response',
  'request',
  'body',
  'authorization',
  'cookie',
  'password',
  'apikey',
  'api_key',
  'x-api-key',
]);

const PRINTED_FIRST = new Set(['level', 'message', 'timestamp', 'context', 'service', 'stack']);

/** Tidies what nest-winston passes, and redacts content keys. */
export const gridFields = format((info) => {
  // nest-winston passes `stack: [trace]` (often `[undefined]`) and the Error object itself.
  if (Array.isArray(info.stack)) {
    const frames = info.stack.filter((frame) => typeof frame === 'string' && frame.length > 0);
    if (frames.length > 0) info.stack = frames.join('\n');
    else delete info.stack;
  }
  if (info.error instanceof Error) delete info.error;
  for (const key of Object.keys(info)) if (REDACTED_KEYS.has(key.toLowerCase())) info[key] = '[redacted]';
  return info;
});

/** One line per entry: `time LEVEL service [context] message key=value …`, then the stack if any. */
const prettyLine = format.printf((info) => {
  const fields = Object.entries(info)
    .filter(([key, value]) => !PRINTED_FIRST.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const context = typeof info.context === 'string' ? ` [${info.context}]` : '';
  const service = typeof info.service === 'string' ? info.service : '';
  const head = `${String(info.timestamp)} ${info.level.toUpperCase().padEnd(5)} ${service}${context}`;
  const line = [`${head} ${String(info.message)}`, ...fields].join(' ');
  return typeof info.stack === 'string' ? `${line}\n${info.stack}` : line;
});

/** JSON lines (for log shippers) or readable lines (for a terminal). */
export function logFormat(kind: LogFormat, level: WinstonLevel = 'verbose'): Logform.Format {
  return format.combine(
    onlyUpTo(level),
    format.timestamp(),
    gridFields(),
    kind === 'json' ? format.json() : prettyLine,
  );
}

/**
 * Drops a line above `level` before it is formatted: winston formats every line (timestamp, context, JSON)
 * and only its transport compares levels, so a filtered debug line cost as much CPU as a printed one.
 */
function onlyUpTo(level: WinstonLevel): Logform.Format {
  const most = LOG_LEVELS[level];
  return format((info) => (LOG_LEVELS[info.level as WinstonLevel] ?? 0) <= most && info)();
}
