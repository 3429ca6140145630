/**
 * A quick probe of the hot path for comparing commits (issue 15's ablation): starts the bench grid, counts
 * Redis commands per `stream:false` request at c=1 (INFO commandstats), times the latency it adds at c=1
 * against the fixture answering directly (300 per side, ABBA blocks), then meters gateway + worker + Redis
 * CPU per request over a window at c=32. With PROFILE_DIR, gateway and worker are also profiled over that
 * window (V8 sampling profiler; Node 20 refuses `--cpu-prof` in NODE_OPTIONS) and their `.cpuprofile`s
 * written there, for `bench/profile-summary.ts`. Prints one JSON line.
 *   npm run build && TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register bench/hot-path-probe.ts
 * Environment: PROBE_REQUESTS (100), PROBE_WINDOW_MS (4000), PROFILE_DIR (unset: no profiles),
 * PROBE_APP_ROOT (a checkout whose built gateway and worker run; default this one: `npm run bench:ablation`).
 */
import { mkdtempSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CpuMeter } from './cpu';
import { BenchGrid, probeGridOptions } from './grid';
import { BenchHttpClient, RequestSpec } from './http-client';
import { generateOnce } from './probes';
import { emptyThroughput, steadyGrid, window } from './scenarios';
import { steadyWarmupMsFromEnv } from './settings';
import { percentile } from './stats';
import { runToExit } from './run-to-exit';

/** Loaded into the built apps with --require: profiles them, and on SIGUSR2 writes the profile and restarts it. */
const PROFILE_HOOK = `
const match = /dist\\/apps\\/(gateway|worker)/.exec(process.argv[1] || '');
if (match && process.env.PROFILE_DIR) {
  const session = new (require('node:inspector').Session)();
  session.connect();
  session.post('Profiler.enable', () =>
    session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
  process.on('SIGUSR2', () => session.post('Profiler.stop', (error, result) => {
    if (!error) require('node:fs').writeFileSync(
      process.env.PROFILE_DIR + '/' + match[1] + '-' + process.pid + '.cpuprofile', JSON.stringify(result.profile));
    session.post('Profiler.start');
  }));
}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function commandsPerRequest(grid: BenchGrid, send: () => Promise<unknown>, count: number) {
  const redis = grid.redisClient();
  try {
    await redis.config('RESETSTAT');
    for (let i = 0; i < count; i++) await send();
    const info = await redis.info('commandstats');
    const calls = [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)]
      .filter(([, command = '']) => command !== 'info' && !command.startsWith('config'))
      .reduce((sum, [, , n]) => sum + Number(n), 0);
    const pid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
    return { perRequest: calls / count, redisPid: pid };
  } finally {
    redis.disconnect();
  }
}

/** Added latency at c=1 (gateway − direct, p50 and p99 in ms), in ABBA blocks of 50 (D G G D …), 300 per side. */
async function addedLatency(client: BenchHttpClient, direct: URL, gateway: URL, spec: RequestSpec) {
  const times: Record<'direct' | 'gateway', number[]> = { direct: [], gateway: [] };
  const order: Array<'direct' | 'gateway'> = ['direct', 'gateway', 'gateway', 'direct'];
  for (let block = 0; block < 12; block++) {
    const side = order[block % 4];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await client.send(side === 'direct' ? direct : gateway, spec);
      times[side].push(performance.now() - started);
    }
  }
  const at = (side: 'direct' | 'gateway', p: number) =>
    percentile(
      [...times[side]].sort((a, b) => a - b),
      p,
    );
  return {
    p50: Number((at('gateway', 50) - at('direct', 50)).toFixed(2)),
    p99: Number((at('gateway', 99) - at('direct', 99)).toFixed(2)),
  };
}

async function main(): Promise<void> {
  const profileDir = process.env.PROFILE_DIR;
  if (profileDir) {
    const hook = join(mkdtempSync(join(tmpdir(), 'gridllm-probe-')), 'profile-hook.js');
    writeFileSync(hook, PROFILE_HOOK);
    process.env.NODE_OPTIONS = `--require ${hook}`;
  }
  const grid = new BenchGrid(probeGridOptions('llama3.2:latest', { appRoot: process.env.PROBE_APP_ROOT }));
  const client = new BenchHttpClient(64, 10_000);
  try {
    await grid.start(() => undefined);
    delete process.env.NODE_OPTIONS;
    const probe = generateOnce('llama3.2:latest');
    const gateway = new URL(grid.gatewayUrl);
    const send = () => client.send(gateway, probe.spec);
    // As `npm run bench`: the numbers of a grid V8 has optimised, not of a fresh one.
    await steadyGrid(client, grid, [probe], steadyWarmupMsFromEnv());
    for (let i = 0; i < 30; i++) await send();
    const commands = await commandsPerRequest(grid, send, Number(process.env.PROBE_REQUESTS ?? 100));
    const added = await addedLatency(client, new URL(grid.fixtureUrl), gateway, probe.spec);
    await window(client, gateway, probe, 32, 1000, emptyThroughput(), 100);
    const signal = () => Object.values(grid.pids()).forEach((pid) => pid && process.kill(pid, 'SIGUSR2'));
    if (profileDir) {
      // The profiles cover the measured window: the warm-up's are thrown away.
      signal();
      await sleep(300);
      readdirSync(profileDir).forEach((file) => unlinkSync(join(profileDir, file)));
    }
    const meter = new CpuMeter({ ...grid.pids(), redis: commands.redisPid });
    const result = emptyThroughput();
    const windowMs = Number(process.env.PROBE_WINDOW_MS ?? 4000);
    await meter.measure('c32', () => window(client, gateway, probe, 32, windowMs, result, 100));
    if (profileDir) signal();
    const rate = (result.completed * 1000) / result.elapsedMs;
    const cpuMs = (role: string) =>
      ((meter.percentages('c32').find((e) => e.role === role)?.percent ?? 0) * 10) / rate;
    console.log(
      JSON.stringify({
        commandsPerRequest: Number(commands.perRequest.toFixed(1)),
        addedMsC1: added,
        requestsPerSecond: Math.round(rate),
        errors: result.errors,
        cpuMsPerRequest: Object.fromEntries(
          ['gateway', 'worker', 'redis'].map((r) => [r, Number(cpuMs(r).toFixed(3))]),
        ),
      }),
    );
    if (profileDir) await sleep(1500);
  } finally {
    client.close();
    await grid.stop();
  }
}

runToExit(main);
