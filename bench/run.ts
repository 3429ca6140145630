/**
 * `npm run bench`: the gateway's added latency and throughput against the Ollama fixture, side by side.
 * Starts the fixture, redis-server, the built gateway and one worker as processes, measures from this
 * process, prints a table and rewrites docs/benchmarks.md. Then, unless BENCH_EMBEDDED=0, the embedded
 * llama.cpp engine's speed on the demo model (bench/embedded.ts). Stops everything it started, also on
 * failure, Ctrl-C or the overall timeout (BENCH_TIMEOUT_MS).
 */
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';

import { AccessPhase, AccessResults } from './access';
import { CpuMeter } from './cpu';
import { diagnose, LOADED_TRACE_MS } from './diagnose';
import { EmbeddedPhase, EmbeddedResults } from './embedded';
import { BenchGrid, gridOptionsFrom } from './grid';
import { BenchHttpClient } from './http-client';
import { loadAverage, machineInfo } from './machine';
import { generateFirstToken, generateOnce, version } from './probes';
import { consoleReport, unhealthy, writeDoc } from './report';
import { BenchResults } from './results';
import { latency, steadyState, Targets, throughput } from './scenarios';
import { BenchSettings, benchSettings } from './settings';
import { StreamsPhase, StreamsResults } from './streams';

const log = (line: string): void => console.log(`bench: ${line}`);

type Measurements = Pick<
  BenchResults,
  'generate' | 'firstToken' | 'version' | 'throughput' | 'throughputCpu'
>;

/** The side-by-side numbers: latency at concurrency 1 (ABBA blocks), then throughput (ABBA windows). */
async function measure(
  client: BenchHttpClient,
  targets: Targets,
  cpu: CpuMeter,
  settings: BenchSettings,
): Promise<Measurements> {
  const probes = [generateOnce(settings.model), generateFirstToken(settings.model)];
  const warmupMs = settings.steadyStateWarmupMs;
  if (warmupMs > 0) {
    log(`warm-up under load: ${warmupMs / 1000} s per side and probe at concurrency ${settings.concurrency}`);
    await steadyState(client, [targets.direct, targets.gateway], probes, settings.concurrency, warmupMs);
  }
  const perSide = { warmup: settings.warmup, count: settings.requests, blockSize: settings.blockSize };
  const plan = `${settings.warmup} warm-up + ${settings.requests} per side, ABBA blocks of ${settings.blockSize}`;
  log(`generate stream:false, concurrency 1: ${plan}`);
  const generate = await latency(client, targets, probes[0], perSide);
  log(`generate streaming, time to first line, concurrency 1: ${plan}`);
  const firstToken = await latency(client, targets, probes[1], perSide);
  log(`GET /api/version (reference), concurrency 1: ${settings.versionRequests} per side`);
  const versionLatency = await latency(client, targets, version(), {
    ...perSide,
    count: settings.versionRequests,
  });
  const seconds = (settings.throughputRounds * settings.throughputWindowMs) / 1000;
  log(`throughput, stream:false, concurrency ${settings.concurrency}: ${seconds} s per side in ABBA windows`);
  const rates = await throughput(client, targets, generateOnce(settings.model), {
    concurrency: settings.concurrency,
    warmupMs: settings.throughputWarmupMs,
    windowMs: settings.throughputWindowMs,
    rounds: settings.throughputRounds,
    maxErrors: 100,
    around: (side, task) => cpu.measure(side, task),
  });
  return {
    generate,
    firstToken,
    version: versionLatency,
    throughput: rates,
    throughputCpu: { direct: cpu.percentages('direct'), gateway: cpu.percentages('gateway') },
  };
}

/** After the rows above, so their numbers are measured exactly as without it. */
async function measureStreams(
  grid: BenchGrid,
  targets: Targets,
  settings: BenchSettings,
): Promise<StreamsResults | null> {
  if (!settings.streams) {
    log('streams at width: skipped (BENCH_STREAMS=0)');
    return null;
  }
  return new StreamsPhase(grid, settings.streams, log).run(targets);
}

/** After the rows above and before the streams rows (their garbage would weigh on the first gateway). */
async function measureAccess(
  grid: BenchGrid,
  client: BenchHttpClient,
  settings: BenchSettings,
): Promise<AccessResults | null> {
  if (!settings.access) {
    log('auth off vs on: skipped (BENCH_ACCESS=0)');
    return null;
  }
  const { model, warmup, blockSize, concurrency, steadyStateWarmupMs } = settings;
  const access = { model, warmup, blockSize, concurrency, steadyStateWarmupMs, ...settings.access };
  return new AccessPhase(grid, client, access, log).run();
}

/** Last, so that the gateway-vs-fixture numbers above are measured exactly as without it. */
async function measureEmbedded(
  phase: EmbeddedPhase | null,
  settings: BenchSettings,
): Promise<EmbeddedResults | null> {
  if (!phase || !settings.embedded) {
    log('embedded llama.cpp engine: skipped (BENCH_EMBEDDED=0)');
    return null;
  }
  const { maxRequests, budgetMs } = settings.embedded;
  log(
    `embedded llama.cpp engine, demo model: one worker per configuration, up to ${maxRequests} generations ` +
      `within about ${budgetMs / 1000} s each (BENCH_EMBEDDED=0 skips this)`,
  );
  try {
    return await phase.run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`embedded engine phase: ${message} (BENCH_EMBEDDED=0 skips it)`);
  }
}

async function redisPid(redis: Redis): Promise<number | undefined> {
  const pid = /^process_id:(\d+)/m.exec(await redis.info('server'))?.[1];
  return pid ? Number(pid) : undefined;
}

async function main(): Promise<void> {
  const settings = benchSettings();
  const startedAt = new Date();
  const started = performance.now();
  const machine = machineInfo();
  const grid = new BenchGrid(
    gridOptionsFrom(settings, {
      stopTimeoutMs: 10_000,
      // The crowd row holds this many jobs open at once: the default admission limits (1000 open jobs, 512
      // waiting per model) would answer some of them 503 by design.
      gatewayEnv: settings.streams
        ? {
            MAX_CONCURRENT_JOBS: String(settings.streams.crowdClients * 2),
            MAX_QUEUE_PER_MODEL: String(settings.streams.crowdClients * 2),
          }
        : {},
    }),
  );
  const client = new BenchHttpClient(settings.concurrency * 2, settings.requestTimeoutMs);
  const embedded = settings.embedded ? new EmbeddedPhase(grid, settings.embedded, log) : null;
  let redis: Redis | null = null;
  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> => {
    cleaning ??= (async () => {
      client.close();
      redis?.disconnect();
      await grid.stop();
      embedded?.dispose();
    })();
    return cleaning;
  };
  let aborting = false;
  const abort = (why: string, code: number): void => {
    if (aborting) {
      // A second Ctrl-C: no more waiting.
      grid.killNow();
      process.exit(code);
    }
    aborting = true;
    console.error(`bench: ${why}, stopping everything`);
    void cleanup().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => abort('interrupted', 130));
  process.on('SIGTERM', () => abort('terminated', 143));
  process.on('uncaughtException', (error) => abort(`uncaught ${error.stack ?? error.message}`, 1));
  process.once('exit', () => grid.killNow());
  const watchdog = setTimeout(
    () => abort(`run exceeded BENCH_TIMEOUT_MS=${settings.runTimeoutMs}`, 1),
    settings.runTimeoutMs,
  );

  try {
    await grid.start(log);
    const probeRedis = grid.redisClient();
    redis = probeRedis;
    const targets: Targets = { direct: new URL(grid.fixtureUrl), gateway: new URL(grid.gatewayUrl) };
    const pids = { ...grid.pids(), fixture: grid.fixture.pid, redis: await redisPid(probeRedis) };
    const measurements = await measure(
      client,
      targets,
      new CpuMeter({ ...pids, bench: process.pid }),
      settings,
    );
    log(
      `where the time goes: Redis round trip, commands per request (${settings.profileRequests} requests), ` +
        `MONITOR traces (${settings.traceRequests} requests at c=1, ${LOADED_TRACE_MS / 1000} s at c=${settings.concurrency})`,
    );
    const diagnosis = await diagnose(client, targets, probeRedis, grid.pids(), settings);
    const access = await measureAccess(grid, client, settings);
    const streams = await measureStreams(grid, targets, settings);
    const embeddedResults = await measureEmbedded(embedded, settings);
    const results: BenchResults = {
      startedAt,
      durationMs: performance.now() - started,
      loadAverageAfter: loadAverage(),
      machine,
      settings,
      ...measurements,
      ...diagnosis,
      access,
      streams,
      embedded: embeddedResults,
    };
    console.log(consoleReport(results));
    const problems = unhealthy(results);
    if (problems.length > 0)
      throw new Error(`too many failed requests, docs not updated:\n${problems.join('\n')}`);
    log(`wrote ${await writeDoc(results)}`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(
      `bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
