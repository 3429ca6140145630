/**
 * `npm run bench:ab -- <A> <B>`: two builds of GridLLM side by side, paired so that drift on a shared
 * machine hits both alike. Each side is a commit (checked out and built in a temporary worktree) or a
 * directory with a build. Both grids run at once, each with its own fixture, Redis, gateway and worker:
 *
 * - c=1: blocks of `stream:false` requests (then first-line requests) alternate A B B A ..., with the
 *   direct fixture measured between them as the reference;
 * - c=32: throughput windows alternate the same way, with the CPU time of each grid's gateway, worker
 *   and Redis;
 * - relay: waves of 64 concurrent streams × 200 tokens (the bench's relay row) alternate the same way,
 *   each grid with a fixture and worker of its own for it, with the CPU time per token of gateway, worker
 *   and Redis (`BENCH_AB_RELAY=0` skips it);
 * - auth: each grid gets two more gateways, one with auth off and one with an API key and a rate limit
 *   (the bench's access row); c=1 blocks rotate over the four, and each build's auth row is its guarded
 *   p50 minus its open p50 (`BENCH_AB_AUTH=0` skips it).
 *
 * `BENCH_A_GATEWAY_ENV` / `BENCH_B_GATEWAY_ENV` and `BENCH_A_WORKER_ENV` / `BENCH_B_WORKER_ENV` (JSON objects)
 * add to one side's gateway or worker environment, to compare settings of one build (`npm run bench:ab -- . .`,
 * e.g. `BENCH_B_WORKER_ENV='{"NODE_OPTIONS":"--max-semi-space-size=8"}'`).
 *
 * Differences of a few tenths of a millisecond are only visible this way: two separate `npm run bench`
 * runs of the same code differ by up to a millisecond at p50 (docs/benchmarks.md, sixth round). Nothing
 * is written to docs/; the table is printed.
 */
import { performance } from 'node:perf_hooks';

import { startAccessGateways, warmAccessGateways, withKey } from './access';
import { BuiltCheckout } from './ab/built-checkout';
import { CpuMeter } from './cpu';
import { BenchGrid, probeGridOptions } from './grid';
import { BenchHttpClient } from './http-client';
import { loadAverage } from './machine';
import { generateFirstToken, generateOnce } from './probes';
import { Probe, ThroughputResult, emptyThroughput, steadyGrid, warmUp, window } from './scenarios';
import { flagFromEnv, intFromEnv, steadyWarmupMsFromEnv } from './settings';
import { RELAY_MODEL, StreamsSide, emptySide, streamWave, withStreamWorker } from './streams';
import { percentile } from './stats';
import { runToExit } from './run-to-exit';

const MODEL = 'llama3.2:latest';
const REQUESTS = intFromEnv('BENCH_REQUESTS', 1000);
const BLOCK = intFromEnv('BENCH_BLOCK', 50);
const WINDOW_MS = intFromEnv('BENCH_WINDOW_MS', 3000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 4);
const CONCURRENCY = 32;
const RELAY = { streams: 64, tokens: 200, perStream: 2 };

type Side = 'A' | 'B';
type Role = 'GATEWAY' | 'WORKER';
/** BENCH_A_GATEWAY_ENV, BENCH_B_WORKER_ENV … as given (a JSON object), or undefined. */
const envText = (side: Side, role: Role) => process.env[`BENCH_${side}_${role}_ENV`];
const envOf = (side: Side, role: Role) => JSON.parse(envText(side, role) ?? '{}') as Record<string, string>;
const SIDES: Side[] = ['A', 'B'];
/** A B, then B A, ...: each side goes first in half the rounds. */
const orderOf = (round: number): Side[] => (round % 2 ? ['B', 'A'] : ['A', 'B']);

interface Grids {
  A: BenchGrid;
  B: BenchGrid;
}

async function latency(client: BenchHttpClient, grids: Grids, probe: Probe, count: number) {
  const direct = new URL(grids.A.fixtureUrl);
  const urls = { A: new URL(grids.A.gatewayUrl), B: new URL(grids.B.gatewayUrl), direct };
  const samples: Record<Side | 'direct', number[]> = { A: [], B: [], direct: [] };
  for (const url of Object.values(urls)) await warmUp(client, url, probe, 100);
  for (let round = 0; round < Math.ceil(count / BLOCK); round++) {
    for (const side of [...orderOf(round), 'direct' as const]) {
      for (let i = 0; i < BLOCK; i++) {
        const timing = await client.send(urls[side], probe.spec);
        const problem = probe.check(timing);
        if (problem) throw new Error(`${side}: ${problem}`);
        samples[side].push(probe.measure(timing));
      }
    }
  }
  const at = (side: Side | 'direct', q: number) =>
    percentile(
      [...samples[side]].sort((a, b) => a - b),
      q,
    );
  return { p50: (side: Side | 'direct') => at(side, 50), p99: (side: Side | 'direct') => at(side, 99) };
}

/** CPU seconds the grid's gateway, worker and Redis used over a stretch of `seconds` measured as 'w'. */
function gridCpuSeconds(meter: CpuMeter, seconds: number): number {
  return meter
    .percentages('w')
    .filter((row) => ['gateway', 'worker', 'redis'].includes(row.role))
    .reduce((sum, row) => sum + (row.percent / 100) * seconds, 0);
}

async function throughput(client: BenchHttpClient, grids: Grids, probe: Probe) {
  const results = { A: emptyThroughput(), B: emptyThroughput() };
  const cpuSeconds = { A: 0, B: 0 };
  for (const side of SIDES)
    await window(client, new URL(grids[side].gatewayUrl), probe, CONCURRENCY, 1000, emptyThroughput(), 10);
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of orderOf(round)) {
      const grid = grids[side];
      const meter = new CpuMeter({
        gateway: grid.gateway?.pid,
        worker: grid.worker?.pid,
        redis: grid.redis.pid,
      });
      const result: ThroughputResult = results[side];
      const url = new URL(grid.gatewayUrl);
      await meter.measure('w', () => window(client, url, probe, CONCURRENCY, WINDOW_MS, result, 10));
      cpuSeconds[side] += gridCpuSeconds(meter, WINDOW_MS / 1000);
    }
  }
  const rate = (side: Side) => (results[side].completed * 1000) / Math.max(1, results[side].elapsedMs);
  const cpuMs = (side: Side) => (cpuSeconds[side] * 1000) / Math.max(1, results[side].completed);
  const errors = (side: Side) => results[side].errors;
  return { rate, cpuMs, errors };
}

/** The relay row's waves, A B B A ..., on a relay fixture and worker of each grid's own. */
async function relay(grids: Grids) {
  const client = new BenchHttpClient(RELAY.streams * 2, 60_000);
  const streams = { A: emptySide(), B: emptySide() };
  const cpuSeconds = { A: 0, B: 0 };
  const spec = { model: RELAY_MODEL, tokens: RELAY.tokens, tokenDelayMs: 0, slots: RELAY.streams };
  try {
    await withStreamWorker(grids.A, spec, (_fixtureA, workerA) =>
      withStreamWorker(grids.B, spec, async (_fixtureB, workerB) => {
        const workers = { A: workerA, B: workerB };
        const wave = (side: Side, perStream: number, into: StreamsSide) =>
          streamWave(client, new URL(grids[side].gatewayUrl), RELAY_MODEL, RELAY.streams, perStream, into);
        for (const side of SIDES) await wave(side, 1, emptySide());
        for (let round = 0; round < ROUNDS; round++) {
          for (const side of orderOf(round)) {
            const grid = grids[side];
            const meter = new CpuMeter({
              gateway: grid.gateway?.pid,
              worker: workers[side],
              redis: grid.redis.pid,
            });
            const before = streams[side].elapsedMs;
            await meter.measure('w', () => wave(side, RELAY.perStream, streams[side]));
            const seconds = (streams[side].elapsedMs - before) / 1000;
            cpuSeconds[side] += gridCpuSeconds(meter, seconds);
          }
        }
      }),
    );
  } finally {
    client.close();
  }
  const tokensPerSecond = (side: Side) =>
    (streams[side].tokens * 1000) / Math.max(1, streams[side].elapsedMs);
  const cpuUsPerToken = (side: Side) => (cpuSeconds[side] * 1e6) / Math.max(1, streams[side].tokens);
  const errors = (side: Side) => streams[side].errors;
  return { tokensPerSecond, cpuUsPerToken, errors };
}

/** The access row for both builds: auth on (an API key, a rate limit never reached) minus auth off, p50. */
async function auth(client: BenchHttpClient, grids: Grids) {
  const probe = generateOnce(MODEL);
  const targets: Array<{ side: Side; guarded: boolean; url: URL; headers: Record<string, string> }> = [];
  const warmup = { concurrency: CONCURRENCY, steadyStateWarmupMs: steadyWarmupMsFromEnv() };
  for (const side of SIDES) {
    const pair = await startAccessGateways(grids[side]);
    const { open, guarded, headers } = pair;
    // Steady state first, as the other rows: the guarded gateway has more code for V8 to optimise.
    await warmAccessGateways(client, pair, withKey(headers, [probe]), warmup, () => undefined);
    targets.push({ side, guarded: false, url: open.url, headers });
    targets.push({ side, guarded: true, url: guarded.url, headers });
  }
  const samples = targets.map(() => [] as number[]);
  const send = async (index: number) => {
    const { url, headers } = targets[index];
    const timing = await client.send(url, { ...probe.spec, headers });
    const problem = probe.check(timing);
    if (problem) throw new Error(`auth ${targets[index].side}: ${problem}`);
    return probe.measure(timing);
  };
  for (let index = 0; index < targets.length; index++) for (let i = 0; i < 100; i++) await send(index);
  for (let round = 0; round < Math.ceil(REQUESTS / BLOCK); round++) {
    const order = round % 2 ? [...targets.keys()].reverse() : [...targets.keys()];
    for (const index of order) for (let i = 0; i < BLOCK; i++) samples[index].push(await send(index));
  }
  const p50 = (side: Side, guarded: boolean) =>
    percentile(
      samples[targets.findIndex((t) => t.side === side && t.guarded === guarded)].sort((a, b) => a - b),
      50,
    );
  return { added: (side: Side) => p50(side, true) - p50(side, false) };
}

const ms = (value: number) => value.toFixed(3);
const signed = (value: number, digits = 3) => `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(digits)}`;
const percent = (b: number, a: number) => `${signed(((b - a) / a) * 100, 1)} %`;

async function main(): Promise<void> {
  const [refA, refB] = process.argv.slice(2);
  if (!refA || !refB) throw new Error('usage: npm run bench:ab -- <commit or built directory A> <B>');
  const started = performance.now();
  const log = (line: string) => console.log(line);
  const checkouts: BuiltCheckout[] = [];
  const client = new BenchHttpClient(64, 10_000);
  let grids: Grids | null = null;
  try {
    for (const ref of [refA, refB]) checkouts.push(BuiltCheckout.prepare(ref, log));
    const gridOf = (side: Side, checkout: BuiltCheckout) =>
      new BenchGrid(
        probeGridOptions(MODEL, {
          appRoot: checkout.root,
          gatewayEnv: envOf(side, 'GATEWAY'),
          workerEnv: envOf(side, 'WORKER'),
        }),
      );
    grids = { A: gridOf('A', checkouts[0]), B: gridOf('B', checkouts[1]) };
    const load = loadAverage();
    for (const side of SIDES) await grids[side].start((line) => log(`${side}: ${line}`));
    // As `npm run bench`: both grids measured as V8 has optimised them, not fresh.
    const probes = [generateOnce(MODEL), generateFirstToken(MODEL)];
    for (const side of SIDES) await steadyGrid(client, grids[side], probes, steadyWarmupMsFromEnv());
    const once = await latency(client, grids, generateOnce(MODEL), REQUESTS);
    const first = await latency(client, grids, generateFirstToken(MODEL), Math.round(REQUESTS * 0.6));
    const flow = await throughput(client, grids, generateOnce(MODEL));
    const relayed = flagFromEnv('BENCH_AB_RELAY', true) ? await relay(grids) : null;
    const access = flagFromEnv('BENCH_AB_AUTH', true) ? await auth(client, grids) : null;
    const described = (side: Side, i: number) =>
      [
        checkouts[i].label,
        ...(['GATEWAY', 'WORKER'] as const)
          .filter((role) => envText(side, role))
          .map((role) => `${role.toLowerCase()} with ${envText(side, role)}`),
      ].join(', ');
    log(`\nA = ${described('A', 0)}, B = ${described('B', 1)}`);
    log(`load average ${load} → ${loadAverage()}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
    log('\n| Measure | direct | A | B | B − A |');
    log('| --- | --- | --- | --- | --- |');
    const row = (name: string, direct: number, a: number, b: number) =>
      log(`| ${name} | ${ms(direct)} | ${ms(a)} | ${ms(b)} | ${signed(b - a)} |`);
    row('c=1 stream:false p50 (ms)', once.p50('direct'), once.p50('A'), once.p50('B'));
    row('c=1 stream:false p99 (ms)', once.p99('direct'), once.p99('A'), once.p99('B'));
    row('c=1 first line p50 (ms)', first.p50('direct'), first.p50('A'), first.p50('B'));
    log(
      `| c=${CONCURRENCY} req/s | | ${flow.rate('A').toFixed(0)} | ${flow.rate('B').toFixed(0)} | ${percent(flow.rate('B'), flow.rate('A'))} |`,
    );
    log(
      `| CPU ms / request (gateway + worker + Redis) | | ${flow.cpuMs('A').toFixed(2)} | ${flow.cpuMs('B').toFixed(2)} | ${percent(flow.cpuMs('B'), flow.cpuMs('A'))} |`,
    );
    if (relayed) {
      const { tokensPerSecond: rate, cpuUsPerToken: cpu } = relayed;
      log(
        `| relay tokens/s (${RELAY.streams} streams × ${RELAY.tokens} tokens) | | ${rate('A').toFixed(0)} | ${rate('B').toFixed(0)} | ${percent(rate('B'), rate('A'))} |`,
      );
      log(
        `| relay CPU µs / token (gateway + worker + Redis) | | ${cpu('A').toFixed(1)} | ${cpu('B').toFixed(1)} | ${percent(cpu('B'), cpu('A'))} |`,
      );
    }
    if (access)
      log(
        `| auth added p50 (API key + rate limit − auth off), stream:false (ms) | | ${signed(access.added('A'))} | ${signed(access.added('B'))} | ${signed(access.added('B') - access.added('A'))} |`,
      );
    if (flow.errors('A') + flow.errors('B') > 0)
      log(`errors under load: A ${flow.errors('A')}, B ${flow.errors('B')}`);
    if (relayed && relayed.errors('A') + relayed.errors('B') > 0)
      log(`relay errors: A ${relayed.errors('A')}, B ${relayed.errors('B')}`);
  } finally {
    client.close();
    if (grids) for (const side of SIDES) await grids[side].stop();
    checkouts.forEach((checkout) => checkout.remove());
  }
}

runToExit(main);
