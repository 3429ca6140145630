import type { LogLevel } from '@nestjs/common';

const ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest log levels enabled by LOG_LEVEL (`info` is an alias of Nest's `log`). */
export function nestLogLevels(level: string | undefined): LogLevel[] {
  const wanted = (level === 'info' || !level ? 'log' : level) as LogLevel;
  const index = ORDER.indexOf(wanted);
  return ORDER.slice(0, index < 0 ? ORDER.indexOf('log') + 1 : index + 1);
}
