/**
 * `npm run bench:floor`: how close any Redis-queued design can get to the engine on this machine (issue 15:
 * "measure it against the floor"). Four targets in front of the same fixture, measured in turn:
 *
 * - direct: the fixture itself;
 * - nginx: one reverse-proxy hop (the issue's reference row; left out when nginx is not installed);
 * - proxy: a bare Node `http` proxy (one hop, no framework, no Redis);
 * - queue floor: a bare gateway and worker that make each request durable in Redis (one MULTI), hand it
 *   over by BLMOVE and stream its lines back through a Redis stream, and nothing else (bench/floor/);
 * - GridLLM: the real gateway and worker, as `npm run bench` runs them.
 *
 * c=1 latency is measured in blocks rotating over the targets (each round starts at the next one), so drift
 * on a shared machine hits all alike; c=32 throughput in windows rotating the same way, with the CPU time of
 * each target's own processes. Then the relay row of `npm run bench` (64 concurrent streams × 200 tokens, no
 * delay between tokens) for every target, in front of a relay fixture of its own, waves rotating the same
 * way, with tokens/s and CPU per token. Nothing is written to docs/; the tables are printed.
 */
import { performance } from 'node:perf_hooks';

import { CpuMeter } from './cpu';
import { FloorProcess } from './floor/floor-process';
import { NginxHop } from './floor/nginx-hop';
import { BenchGrid, probeGridOptions } from './grid';
import { BenchHttpClient } from './http-client';
import { loadAverage } from './machine';
import { generateFirstToken, generateOnce } from './probes';
import { Probe, ThroughputResult, emptyThroughput, steadyState, warmUp, window } from './scenarios';
import { intFromEnv, steadyWarmupMsFromEnv } from './settings';
import { percentile } from './stats';
import { RELAY_MODEL, StreamsSide, emptySide, streamWave, withStreamWorker } from './streams';
import { runToExit } from './run-to-exit';

const MODEL = 'llama3.2:latest';
const REQUESTS = intFromEnv('BENCH_REQUESTS', 500);
const BLOCK = intFromEnv('BENCH_BLOCK', 50);
const WINDOW_MS = intFromEnv('BENCH_WINDOW_MS', 5000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 2);
const CONCURRENCY = 32;
/** The bench's relay row (bench/settings.ts defaults): streams at once, tokens each, two streams per loop. */
const RELAY = { streams: 64, tokens: 200, perStream: 2 };

interface Target {
  name: string;
  url: URL;
  /** The processes this target adds in front of the fixture (their CPU is its cost). */
  pids: () => Array<number | undefined>;
}

async function latencyRows(client: BenchHttpClient, targets: Target[], probe: Probe, count: number) {
  const samples = new Map(targets.map((t) => [t.name, [] as number[]]));
  for (const target of targets) await warmUp(client, target.url, probe, 50);
  for (let round = 0; round < Math.ceil(count / BLOCK); round++) {
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(round + k) % targets.length];
      for (let i = 0; i < BLOCK; i++) {
        const timing = await client.send(target.url, probe.spec);
        const problem = probe.check(timing);
        if (problem) throw new Error(`${target.name}: ${problem}`);
        samples.get(target.name)!.push(probe.measure(timing));
      }
    }
  }
  const direct = [...samples.get('direct')!].sort((a, b) => a - b);
  return targets.map((target) => {
    const sorted = [...samples.get(target.name)!].sort((a, b) => a - b);
    return {
      target: target.name,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      addedP50: percentile(sorted, 50) - percentile(direct, 50),
      addedP99: percentile(sorted, 99) - percentile(direct, 99),
    };
  });
}

/** A meter over a target's own processes, named by index (see ownCpuSeconds). */
function meterFor(target: Target): CpuMeter {
  return new CpuMeter(Object.fromEntries(target.pids().map((pid, i) => [String(i), pid])));
}

/** CPU seconds the target's own processes used over `seconds` measured as `w` by meterFor's meter. */
function ownCpuSeconds(meter: CpuMeter, seconds: number): number {
  return meter
    .percentages('w')
    .filter((row) => /^\d+$/.test(row.role))
    .reduce((sum, row) => sum + (row.percent / 100) * seconds, 0);
}

async function throughputRows(client: BenchHttpClient, targets: Target[], probe: Probe) {
  const results = new Map(targets.map((t) => [t.name, emptyThroughput()]));
  const cpu = new Map(targets.map((t) => [t.name, 0]));
  for (const target of targets)
    await window(client, target.url, probe, CONCURRENCY, 1000, emptyThroughput(), 10);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(round + k) % targets.length];
      const meter = meterFor(target);
      const result: ThroughputResult = results.get(target.name)!;
      await meter.measure('w', () => window(client, target.url, probe, CONCURRENCY, WINDOW_MS, result, 10));
      cpu.set(target.name, cpu.get(target.name)! + ownCpuSeconds(meter, WINDOW_MS / 1000));
    }
  }
  const directRate = rate(results.get('direct')!);
  return targets.map((target) => {
    const result = results.get(target.name)!;
    return {
      target: target.name,
      reqPerSecond: rate(result),
      ratio: rate(result) / directRate,
      cpuMsPerRequest: result.completed ? (cpu.get(target.name)! * 1000) / result.completed : 0,
      errors: result.errors,
    };
  });
}

/** The relay row per target: one warm-up wave each, then ROUNDS waves each, rotating; tokens/s and CPU per token. */
async function relayRows(client: BenchHttpClient, targets: Target[]) {
  const sides = new Map<string, StreamsSide>(targets.map((t) => [t.name, emptySide()]));
  const cpu = new Map(targets.map((t) => [t.name, 0]));
  const wave = (target: Target, perStream: number, side: StreamsSide) =>
    streamWave(client, target.url, RELAY_MODEL, RELAY.streams, perStream, side);
  for (const target of targets) await wave(target, 1, emptySide());
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(round + k) % targets.length];
      const side = sides.get(target.name)!;
      const meter = meterFor(target);
      const before = side.elapsedMs;
      await meter.measure('w', () => wave(target, RELAY.perStream, side));
      cpu.set(target.name, cpu.get(target.name)! + ownCpuSeconds(meter, (side.elapsedMs - before) / 1000));
    }
  }
  const tokensPerSecond = (name: string) => {
    const side = sides.get(name)!;
    return (side.tokens * 1000) / Math.max(1, side.elapsedMs);
  };
  return targets.map((target) => {
    const side = sides.get(target.name)!;
    return {
      target: target.name,
      tokensPerSecond: tokensPerSecond(target.name),
      ratio: tokensPerSecond(target.name) / tokensPerSecond('direct'),
      cpuUsPerToken: side.tokens ? (cpu.get(target.name)! * 1e6) / side.tokens : 0,
      errors: side.errors,
    };
  });
}

/**
 * The relay targets: each in front of its own relay fixture (the bench's relay model, 200 tokens, no delay,
 * NUM_PARALLEL 64). The bare queue worker in front of the main fixture is stopped first: it takes from the
 * same Redis list.
 */
async function relayTable(
  client: BenchHttpClient,
  grid: BenchGrid,
  redisUrl: string,
  queue: { gatewayUrl: string; gatewayPid: () => number | undefined; stopWorker: () => void },
  floors: Array<FloorProcess | NginxHop>,
) {
  const spec = { model: RELAY_MODEL, tokens: RELAY.tokens, tokenDelayMs: 0, slots: RELAY.streams };
  return withStreamWorker(grid, spec, async (fixtureUrl, gridWorkerPid) => {
    queue.stopWorker();
    const proxy = new FloorProcess('bare-proxy.ts', { ENGINE_URL: fixtureUrl.href });
    const queueWorker = new FloorProcess('bare-queue-worker.ts', {
      REDIS_URL: redisUrl,
      ENGINE_URL: fixtureUrl.href,
      SLOTS: String(RELAY.streams),
    });
    floors.push(proxy, queueWorker);
    const proxyUrl = await proxy.start(30_000);
    await queueWorker.start(30_000);
    const nginx = NginxHop.available() ? new NginxHop() : null;
    if (nginx) floors.push(nginx);
    const nginxUrl = nginx ? await nginx.start(fixtureUrl) : '';
    const redisPid = grid.redis.pid;
    return relayRows(client, [
      { name: 'direct', url: fixtureUrl, pids: () => [] },
      ...(nginx ? [{ name: 'nginx', url: new URL(nginxUrl), pids: () => [nginx.pid] }] : []),
      { name: 'proxy', url: new URL(proxyUrl), pids: () => [proxy.pid] },
      {
        name: 'queue floor',
        url: new URL(queue.gatewayUrl),
        pids: () => [queue.gatewayPid(), queueWorker.pid, redisPid],
      },
      {
        name: 'GridLLM',
        url: new URL(grid.gatewayUrl),
        pids: () => [grid.gateway?.pid, gridWorkerPid, redisPid],
      },
    ]);
  });
}

const rate = (result: ThroughputResult) => (result.completed * 1000) / Math.max(1, result.elapsedMs);
const ms = (value: number) => value.toFixed(3);
const signed = (value: number) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;

async function main(): Promise<void> {
  const started = performance.now();
  const load = loadAverage();
  const grid = new BenchGrid(probeGridOptions(MODEL));
  const floors: Array<FloorProcess | NginxHop> = [];
  const client = new BenchHttpClient(RELAY.streams * 2, 60_000);
  try {
    await grid.start((line) => console.log(line));
    const redisUrl = `redis://127.0.0.1:${grid.redis.port}`;
    const proxy = new FloorProcess('bare-proxy.ts', { ENGINE_URL: grid.fixtureUrl });
    const queueGateway = new FloorProcess('bare-queue-gateway.ts', { REDIS_URL: redisUrl });
    const queueWorker = new FloorProcess('bare-queue-worker.ts', {
      REDIS_URL: redisUrl,
      ENGINE_URL: grid.fixtureUrl,
      SLOTS: String(CONCURRENCY),
    });
    floors.push(proxy, queueGateway, queueWorker);
    const proxyUrl = await proxy.start(30_000);
    const queueUrl = await queueGateway.start(30_000);
    await queueWorker.start(30_000);
    const redisPid = grid.redis.pid;
    const nginx = NginxHop.available() ? new NginxHop() : null;
    if (nginx) floors.push(nginx);
    const nginxUrl = nginx ? await nginx.start(new URL(grid.fixtureUrl)) : '';
    const targets: Target[] = [
      { name: 'direct', url: new URL(grid.fixtureUrl), pids: () => [] },
      ...(nginx ? [{ name: 'nginx', url: new URL(nginxUrl), pids: () => [nginx.pid] }] : []),
      { name: 'proxy', url: new URL(proxyUrl), pids: () => [proxy.pid] },
      {
        name: 'queue floor',
        url: new URL(queueUrl),
        pids: () => [queueGateway.pid, queueWorker.pid, redisPid],
      },
      {
        name: 'GridLLM',
        url: new URL(grid.gatewayUrl),
        pids: () => [grid.gateway?.pid, grid.worker?.pid, redisPid],
      },
    ];
    // As `npm run bench`: every target measured as V8 has optimised it, not fresh.
    const probes = [generateOnce(MODEL), generateFirstToken(MODEL)];
    const urls = targets.map((target) => target.url);
    await steadyState(client, urls, probes, CONCURRENCY, steadyWarmupMsFromEnv());
    const once = await latencyRows(client, targets, generateOnce(MODEL), REQUESTS);
    const first = await latencyRows(client, targets, generateFirstToken(MODEL), Math.round(REQUESTS * 0.6));
    const flow = await throughputRows(client, targets, generateOnce(MODEL));
    const relay = await relayTable(
      client,
      grid,
      redisUrl,
      { gatewayUrl: queueUrl, gatewayPid: () => queueGateway.pid, stopWorker: () => queueWorker.stop() },
      floors,
    );
    console.log(
      `\nload average ${load} → ${loadAverage()}; ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log(
      '\n| Target | stream:false p50 / p99 (ms) | added p50 / p99 | first line p50 | added | c=32 req/s | / direct | CPU ms/req (own processes) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    targets.forEach((target, i) => {
      const a = once[i];
      const b = first[i];
      const c = flow[i];
      console.log(
        `| ${target.name} | ${ms(a.p50)} / ${ms(a.p99)} | ${signed(a.addedP50)} / ${signed(a.addedP99)} | ${ms(b.p50)} | ${signed(b.addedP50)} | ${c.reqPerSecond.toFixed(0)} | ${c.ratio.toFixed(2)} | ${c.cpuMsPerRequest.toFixed(2)}${c.errors ? ` (${c.errors} errors)` : ''} |`,
      );
    });
    console.log(
      `\n| Target | relay ${RELAY.streams} × ${RELAY.tokens} tokens: tok/s | / direct | CPU µs/token (own processes) |`,
    );
    console.log('| --- | --- | --- | --- |');
    for (const row of relay)
      console.log(
        `| ${row.target} | ${row.tokensPerSecond.toFixed(0)} | ${row.ratio.toFixed(2)} | ${row.cpuUsPerToken.toFixed(1)}${row.errors ? ` (${row.errors} errors)` : ''} |`,
      );
  } finally {
    client.close();
    floors.forEach((floor) => floor.stop());
    await grid.stop();
  }
}

runToExit(main);
