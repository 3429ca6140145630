/** How the dashboard writes numbers and times: always with units, times relative with the exact one on hover. */

const UNITS: Array<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/** A duration: `850 ms`, `4.2 s`, `3 min 20 s`, `2 h 5 min`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  const [big, bigUnit] = UNITS.find(([size]) => abs >= size) ?? UNITS[3];
  const whole = Math.floor(abs / big);
  const rest = UNITS[UNITS.findIndex(([size]) => size === big) + 1];
  const part = rest ? Math.floor((abs - whole * big) / rest[0]) : 0;
  return part > 0 && rest ? `${whole} ${bigUnit} ${part} ${rest[1]}` : `${whole} ${bigUnit}`;
}

/** A time relative to `now`: `just now`, `3 s ago`, `in 4 min`. */
export function relative(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined || !Number.isFinite(at) || at <= 0) return '–';
  const delta = now - at;
  if (Math.abs(delta) < 1000) return 'just now';
  const text = duration(Math.abs(delta)).replace(/\.\d/, '');
  return delta > 0 ? `${text} ago` : `in ${text}`;
}

/** The exact time, for a `title`: ISO 8601 in UTC. */
export function exact(at: number | null | undefined): string {
  return at && Number.isFinite(at) ? new Date(at).toISOString() : '';
}

/** Bytes in binary units: `512 B`, `1.5 GiB`. */
export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = value;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n.toFixed(n >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A rate with its unit: `12.5 tok/s`. */
export function rate(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${unit}`;
}

/** A count with its unit, singular or plural: `1 token`, `3 tokens`. */
export function count(value: number | null | undefined, singular: string, plural = `${singular}s`): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toLocaleString('en')} ${value === 1 ? singular : plural}`;
}

/** The first characters of a job id: enough to tell jobs apart in a table. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}
