/** What one `npm run bench` does; each number can be overridden by an environment variable. */
export interface BenchSettings {
  model: string;
  /** Content tokens per fixture answer (FIXTURE_TOKENS); the fixture's token delay is always 0. */
  tokens: number;
  /** FIXTURE_NUM_PARALLEL and the worker's MAX_CONCURRENT_TASKS. */
  parallel: number;
  /** Concurrency-1 latency: measured requests per side, after `warmup` unmeasured ones. */
  requests: number;
  warmup: number;
  /** Requests per side before switching sides (ABBA blocks). */
  blockSize: number;
  /** GET /api/version requests per side (reference row). */
  versionRequests: number;
  concurrency: number;
  throughputWarmupMs: number;
  /** One measured throughput window; each side gets `throughputRounds` of them. */
  throughputWindowMs: number;
  throughputRounds: number;
  /** Gateway requests counted with INFO commandstats, and traced with MONITOR. */
  profileRequests: number;
  traceRequests: number;
  requestTimeoutMs: number;
  startTimeoutMs: number;
  /** The whole run (after the build) is aborted past this. */
  runTimeoutMs: number;
}

function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

export function benchSettings(): BenchSettings {
  return {
    model: 'llama3.2:latest',
    tokens: intFromEnv('BENCH_TOKENS', 8),
    parallel: 32,
    requests: intFromEnv('BENCH_REQUESTS', 500),
    warmup: intFromEnv('BENCH_WARMUP', 50, 0),
    blockSize: intFromEnv('BENCH_BLOCK', 50),
    versionRequests: intFromEnv('BENCH_VERSION_REQUESTS', 300),
    concurrency: 32,
    throughputWarmupMs: 1000,
    throughputWindowMs: intFromEnv('BENCH_WINDOW_MS', 5000),
    throughputRounds: 2,
    profileRequests: 200,
    traceRequests: intFromEnv('BENCH_TRACE', 40),
    requestTimeoutMs: 10_000,
    startTimeoutMs: 30_000,
    runTimeoutMs: intFromEnv('BENCH_TIMEOUT_MS', 300_000),
  };
}
