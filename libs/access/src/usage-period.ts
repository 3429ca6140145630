import { QuotaPeriod } from '@gridllm/contracts';

/** Where a quota period's usage is counted, and when it starts over. */
export interface UsagePeriod {
  /** Bucket name in the usage key: `total`, `day:2026-11-27`, `month:2026-11` (UTC). */
  bucket: string;
  /** When the next bucket starts; null for `total`, which never does. */
  resetsAt: Date | null;
  /** How long the bucket's hash is kept; null: for good. */
  retainSeconds: number | null;
}

/** A day or month bucket: it always resets. `label` is the bucket's date (`2026-11-27`, `2026-11`). */
export interface CalendarPeriod extends UsagePeriod {
  label: string;
  resetsAt: Date;
  retainSeconds: number;
}

const DAY_SECONDS = 86_400;
/** Kept past their period so this month's days and last year's months can still be looked at. */
const DAY_RETAIN_SECONDS = 35 * DAY_SECONDS;
const MONTH_RETAIN_SECONDS = 400 * DAY_SECONDS;

/** The bucket `now` falls in for a quota period. */
export function usagePeriod(period: QuotaPeriod, now: number): UsagePeriod {
  if (period === 'total') return { bucket: 'total', resetsAt: null, retainSeconds: null };
  return calendarPeriod(period, now);
}

export function calendarPeriod(period: 'day' | 'month', now: number): CalendarPeriod {
  const date = new Date(now);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  if (period === 'day') {
    const label = date.toISOString().slice(0, 10);
    const resetsAt = new Date(Date.UTC(year, month, day + 1));
    return { bucket: `day:${label}`, label, resetsAt, retainSeconds: DAY_RETAIN_SECONDS };
  }
  const label = date.toISOString().slice(0, 7);
  const resetsAt = new Date(Date.UTC(year, month + 1, 1));
  return { bucket: `month:${label}`, label, resetsAt, retainSeconds: MONTH_RETAIN_SECONDS };
}

/** `2026-11-28T00:00:00Z`: an ISO time without the milliseconds a reset never has. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
