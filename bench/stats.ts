/** Percentile and summary math for the benchmark (pure functions, unit-tested in stats.spec.ts). */

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The p-th percentile (0 ≤ p ≤ 100) of ascending `sorted` samples, interpolating linearly between the two
 * closest ranks (Hyndman & Fan type 7, the default of numpy and R). NaN for no samples.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] ?? NaN;
  const high = sorted[upper] ?? NaN;
  return low + (high - low) * (rank - lower);
}

/** Count, min, mean, p50, p90, p99 and max of unsorted samples (all NaN but count for none). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const count = sorted.length;
  const mean = count === 0 ? NaN : sorted.reduce((sum, value) => sum + value, 0) / count;
  return {
    count,
    min: sorted[0] ?? NaN,
    mean,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[count - 1] ?? NaN,
  };
}

/** Completed operations per second over `elapsedMs`; 0 when nothing ran. */
export function ratePerSecond(completed: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (completed * 1000) / elapsedMs : 0;
}

/**
 * Run order of two alternatives over rounds, ABBA style (round 0: A B, round 1: B A, ...), so that neither
 * side systematically runs first, warmer or later than the other.
 */
export function abbaOrder<T>(round: number, a: T, b: T): [T, T] {
  return round % 2 === 0 ? [a, b] : [b, a];
}

/**
 * The mean of repeated measurements, with ± half their range when there is more than one (`npm run
 * bench:ablation`'s passes): `1.50 ±0.10`.
 */
export function meanAndSpread(values: readonly number[], digits: number): string {
  if (values.length === 0) return '—';
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  if (values.length < 2) return mean.toFixed(digits);
  return `${mean.toFixed(digits)} ±${((Math.max(...values) - Math.min(...values)) / 2).toFixed(digits)}`;
}
