/**
 * What the gateway's and the worker's young-generation collections (scavenges) keep, for comparing commits
 * (issue 15, sixteenth and seventeenth rounds). Starts the bench grid with V8's `--trace-gc-nvp` in both apps,
 * brings it to its steady state under load as the bench does (BENCH_STEADY_WARMUP_MS), sends 300 sequential
 * requests, then GC_PROBE_REQUESTS (1,000) measured ones, and prints one JSON line: per process and kind of
 * collection, how many, bytes promoted and kept per collection, mean and longest pause, pauses over 2 ms.
 * At c=1 at most one request is in flight, so bytes promoted well beyond one request's objects mean dead
 * objects in the old generation keep young ones alive (docs/benchmarks.md, sixteenth round); a fresh worker
 * does that until V8 has optimised its path (seventeenth round: BENCH_STEADY_WARMUP_MS=0 shows it).
 *   npm run build && TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register bench/gc-probe.ts [generate|version]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { summariseGc } from './gc-trace';
import { BenchGrid, probeGridOptions } from './grid';
import { BenchHttpClient } from './http-client';
import { generateOnce, version } from './probes';
import { runToExit } from './run-to-exit';
import { steadyGrid } from './scenarios';
import { steadyWarmupMsFromEnv } from './settings';

/** Loaded into the built apps with --require: V8 traces every collection from the start on. */
const TRACE_HOOK = `
if (/dist\\/apps\\/(gateway|worker)/.test(process.argv[1] || '')) require('node:v8').setFlagsFromString('--trace-gc-nvp');`;

const WARM_UP = 300;

async function main(): Promise<void> {
  const route = process.argv[2] ?? 'generate';
  if (route !== 'generate' && route !== 'version')
    throw new Error(`unknown route ${route}: generate or version`);
  const hook = join(mkdtempSync(join(tmpdir(), 'gridllm-gc-')), 'gc-trace-hook.js');
  writeFileSync(hook, TRACE_HOOK);
  process.env.NODE_OPTIONS = `--require ${hook}`;
  const model = 'llama3.2:latest';
  const grid = new BenchGrid(probeGridOptions(model));
  const client = new BenchHttpClient(64, 10_000);
  try {
    await grid.start(() => undefined);
    delete process.env.NODE_OPTIONS;
    const probe = route === 'generate' ? generateOnce(model) : version();
    const gateway = new URL(grid.gatewayUrl);
    // As `npm run bench`: a fresh worker's scavenges promote ~0.85 MB each until V8 has optimised its path.
    await steadyGrid(client, grid, [probe], steadyWarmupMsFromEnv());
    for (let i = 0; i < WARM_UP; i++) await client.send(gateway, probe.spec);
    const from = { gateway: grid.gateway?.logs.length ?? 0, worker: grid.worker?.logs.length ?? 0 };
    const requests = Number(process.env.GC_PROBE_REQUESTS ?? 1000);
    const started = performance.now();
    for (let i = 0; i < requests; i++) await client.send(gateway, probe.spec);
    const elapsedMs = performance.now() - started;
    console.log(
      JSON.stringify({
        route,
        requests,
        msPerRequest: Number((elapsedMs / requests).toFixed(3)),
        gateway: summariseGc(grid.gateway?.logs.slice(from.gateway) ?? ''),
        worker: summariseGc(grid.worker?.logs.slice(from.worker) ?? ''),
      }),
    );
  } finally {
    client.close();
    await grid.stop();
  }
}

runToExit(main);
