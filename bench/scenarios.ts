import { performance } from 'node:perf_hooks';

import { BenchHttpClient, HttpTiming, RequestSpec } from './http-client';
import { abbaOrder } from './stats';

export type Side = 'direct' | 'gateway';
/** The bench's concurrency under load, which the warm-up uses too. */
const STEADY_CONCURRENCY = 32;
export const SIDES: readonly Side[] = ['direct', 'gateway'];

/** The two places a request can go: the fixture itself, or the gateway in front of it. */
export type Targets = Record<Side, URL>;

/** What to send, which number to keep from the answer, and how to tell a good answer. */
export interface Probe {
  spec: RequestSpec;
  measure: (timing: HttpTiming) => number;
  /** An error message for a bad answer, null for a good one. */
  check: (timing: HttpTiming) => string | null;
}

export interface SideResult {
  samples: number[];
  errors: number;
  firstError: string | null;
}

export interface LatencyOptions {
  warmup: number;
  count: number;
  blockSize: number;
}

export interface ThroughputOptions {
  concurrency: number;
  warmupMs: number;
  windowMs: number;
  rounds: number;
  /** A side stops its window early after this many errors (e.g. nothing listening). */
  maxErrors: number;
  /** Wraps each measured window (e.g. to meter CPU per side). */
  around?: (side: Side, task: () => Promise<void>) => Promise<void>;
}

export interface ThroughputResult extends SideResult {
  completed: number;
  elapsedMs: number;
}

export const emptyThroughput = (): ThroughputResult => ({ ...emptyResult(), completed: 0, elapsedMs: 0 });

const emptyResult = (): SideResult => ({ samples: [], errors: 0, firstError: null });

async function attempt(client: BenchHttpClient, base: URL, probe: Probe): Promise<number | string> {
  try {
    const timing = await client.send(base, probe.spec);
    return probe.check(timing) ?? probe.measure(timing);
  } catch (error) {
    return (error as Error).message;
  }
}

function record(result: SideResult, outcome: number | string): void {
  if (typeof outcome === 'number') {
    result.samples.push(outcome);
    return;
  }
  result.errors++;
  result.firstError ??= outcome;
}

/** Sends `count` requests one by one, failing on the first bad answer (a broken set-up, not a statistic). */
export async function warmUp(client: BenchHttpClient, base: URL, probe: Probe, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const outcome = await attempt(client, base, probe);
    if (typeof outcome === 'string') throw new Error(`warm-up against ${base.origin} failed: ${outcome}`);
  }
}

/**
 * Load at `concurrency` on each of `urls`, `durationMs` per probe, nothing recorded: brings them to their
 * steady state (V8 optimises a hot path only after thousands of calls) before anything is measured; 0 ms:
 * left cold.
 */
export async function steadyState(
  client: BenchHttpClient,
  urls: readonly URL[],
  probes: readonly Probe[],
  concurrency: number,
  durationMs: number,
): Promise<void> {
  if (durationMs <= 0) return;
  for (const url of urls) {
    for (const probe of probes) {
      const scratch = emptyThroughput();
      await window(client, url, probe, concurrency, durationMs, scratch, 1);
      if (scratch.errors > 0)
        throw new Error(`warm-up under load against ${url.origin} failed: ${scratch.firstError}`);
    }
  }
}

/** A grid's fixture and gateway (BenchGrid), brought to their steady state with `probes` (see steadyState). */
export async function steadyGrid(
  client: BenchHttpClient,
  grid: { fixtureUrl: string; gatewayUrl: string },
  probes: readonly Probe[],
  durationMs: number,
): Promise<void> {
  const urls = [new URL(grid.fixtureUrl), new URL(grid.gatewayUrl)];
  await steadyState(client, urls, probes, STEADY_CONCURRENCY, durationMs);
}

/**
 * Latency at concurrency 1: both sides are warmed up, then measured in blocks of `blockSize` requests
 * alternating ABBA (direct, gateway, gateway, direct, ...) so drift on a shared machine hits both alike.
 */
export async function latency(
  client: BenchHttpClient,
  targets: Targets,
  probe: Probe,
  options: LatencyOptions,
): Promise<Record<Side, SideResult>> {
  for (const side of SIDES) await warmUp(client, targets[side], probe, options.warmup);
  const results: Record<Side, SideResult> = { direct: emptyResult(), gateway: emptyResult() };
  const rounds = Math.ceil(options.count / options.blockSize);
  for (let round = 0; round < rounds; round++) {
    const size = Math.min(options.blockSize, options.count - round * options.blockSize);
    for (const side of abbaOrder(round, 'direct' as const, 'gateway' as const)) {
      for (let i = 0; i < size; i++) record(results[side], await attempt(client, targets[side], probe));
    }
  }
  return results;
}

/** `concurrency` closed loops sending back to back until the window ends; every request is awaited. */
export async function window(
  client: BenchHttpClient,
  base: URL,
  probe: Probe,
  concurrency: number,
  durationMs: number,
  result: ThroughputResult,
  maxErrors: number,
): Promise<void> {
  const start = performance.now();
  const end = start + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end && result.errors < maxErrors) {
      const outcome = await attempt(client, base, probe);
      record(result, outcome);
      if (typeof outcome === 'number') result.completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  result.elapsedMs += performance.now() - start;
}

/**
 * Throughput at `concurrency`: a warm-up window per side, then `rounds` measured windows per side in ABBA
 * order. Requests per second = completed requests / summed window time (until the last answer arrived).
 */
export async function throughput(
  client: BenchHttpClient,
  targets: Targets,
  probe: Probe,
  options: ThroughputOptions,
): Promise<Record<Side, ThroughputResult>> {
  const fresh = emptyThroughput;
  for (const side of SIDES) {
    const scratch = fresh();
    await window(
      client,
      targets[side],
      probe,
      options.concurrency,
      options.warmupMs,
      scratch,
      options.maxErrors,
    );
    if (scratch.errors > 0)
      throw new Error(`throughput warm-up against ${side} failed: ${scratch.firstError}`);
  }
  const results: Record<Side, ThroughputResult> = { direct: fresh(), gateway: fresh() };
  const around = options.around ?? ((_side: Side, task: () => Promise<void>) => task());
  for (let round = 0; round < options.rounds; round++) {
    for (const side of abbaOrder(round, 'direct' as const, 'gateway' as const)) {
      const base = targets[side];
      await around(side, () =>
        window(client, base, probe, options.concurrency, options.windowMs, results[side], options.maxErrors),
      );
    }
  }
  return results;
}
