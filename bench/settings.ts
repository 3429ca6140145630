import type { AccessSettings } from './access';

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
  /**
   * Before any row: each side gets this long per latency probe at `concurrency`, so that V8 has optimised the
   * request path as it has on a grid that has served for a while (a fresh worker takes ~2,000 requests; see
   * docs/benchmarks.md, seventeenth round). 0 measures a cold grid.
   */
  steadyStateWarmupMs: number;
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
  /** Streams at width (bench/streams.ts); null when BENCH_STREAMS=0. */
  streams: StreamSettings | null;
  /** Auth off vs on (bench/access.ts); null when BENCH_ACCESS=0. */
  access: AccessSettings | null;
  /** The embedded llama.cpp phase (bench/embedded.ts); null when BENCH_EMBEDDED=0. */
  embedded: EmbeddedSettings | null;
}

export interface StreamSettings {
  /** Concurrent streams of the relay row, tokens per stream, ABBA rounds per side (two streams per loop each). */
  relayStreams: number;
  relayTokens: number;
  relayRounds: number;
  /** Concurrent streaming clients of the crowd row, and their slow answers: tokens, delay between tokens. */
  crowdClients: number;
  crowdTokens: number;
  crowdDelayMs: number;
  /** The crowd's clients arrive evenly over this time (0: all in one burst); answers outlast it, so all are open at once. */
  crowdRampMs: number;
}

export interface EmbeddedSettings {
  /** `options.num_predict` of every generation (the random model may stop earlier at an end token). */
  numPredict: number;
  /** Per worker: at most this many measured generations, and at least `minRequests` per client loop … */
  maxRequests: number;
  minRequests: number;
  /** … with no new one started after this time. */
  budgetMs: number;
  /** One generation may take this long (2 threads on 2 cores decode slowly). */
  requestTimeoutMs: number;
}

export function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

export function flagFromEnv(name: string, fallback: boolean): boolean {
  const raw = process.env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be 0 or 1, got "${raw}"`);
}

/** BENCH_STEADY_WARMUP_MS: the warm-up under load per side and latency probe (see steadyState). */
export function steadyWarmupMsFromEnv(): number {
  return intFromEnv('BENCH_STEADY_WARMUP_MS', 3000, 0);
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
    steadyStateWarmupMs: steadyWarmupMsFromEnv(),
    throughputWarmupMs: 1000,
    throughputWindowMs: intFromEnv('BENCH_WINDOW_MS', 5000),
    throughputRounds: 2,
    // About 3 s at c=1: the dashboard recorder (one read per finished job, every second) is always in the window.
    profileRequests: 1000,
    traceRequests: intFromEnv('BENCH_TRACE', 40),
    requestTimeoutMs: 10_000,
    startTimeoutMs: 30_000,
    runTimeoutMs: intFromEnv('BENCH_TIMEOUT_MS', 300_000),
    streams: flagFromEnv('BENCH_STREAMS', true)
      ? {
          relayStreams: intFromEnv('BENCH_RELAY_STREAMS', 64),
          relayTokens: intFromEnv('BENCH_RELAY_TOKENS', 200),
          relayRounds: intFromEnv('BENCH_RELAY_ROUNDS', 2),
          crowdClients: intFromEnv('BENCH_CROWD_CLIENTS', 1000),
          crowdTokens: intFromEnv('BENCH_CROWD_TOKENS', 12),
          crowdDelayMs: intFromEnv('BENCH_CROWD_DELAY_MS', 1000),
          crowdRampMs: intFromEnv('BENCH_CROWD_RAMP_MS', 5000, 0),
        }
      : null,
    access: flagFromEnv('BENCH_ACCESS', true) ? { requests: intFromEnv('BENCH_ACCESS_REQUESTS', 500) } : null,
    embedded: flagFromEnv('BENCH_EMBEDDED', true)
      ? {
          numPredict: 256,
          maxRequests: intFromEnv('BENCH_EMBEDDED_REQUESTS', 12),
          minRequests: 2,
          budgetMs: intFromEnv('BENCH_EMBEDDED_BUDGET_MS', 4000),
          requestTimeoutMs: 60_000,
        }
      : null,
  };
}
