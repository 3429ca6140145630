/**
 * The job rows of `npm run bench:access`: the bench's own access phase (bench/access.ts, generate
 * stream:false and GET /api/tags, auth off vs on, ABBA) on a grid of its own, so it runs without the
 * rest of `npm run bench` (and without rewriting docs/benchmarks.md).
 */
import { AccessPhase } from './access';
import { accessConsole } from './access-report';
import { BenchGrid, gridOptionsFrom } from './grid';
import { BenchHttpClient } from './http-client';
import { benchSettings } from './settings';

export async function accessJobRows(): Promise<void> {
  const settings = benchSettings();
  const grid = new BenchGrid(gridOptionsFrom(settings, { stopTimeoutMs: 20_000 }));
  // As many sockets as the steady-state warm-up has loops.
  const client = new BenchHttpClient(settings.concurrency, settings.requestTimeoutMs);
  try {
    await grid.start(() => undefined);
    const { model, warmup, blockSize, concurrency, steadyStateWarmupMs } = settings;
    const requests = settings.access?.requests ?? 500;
    const access = { model, warmup, blockSize, requests, concurrency, steadyStateWarmupMs };
    const phase = new AccessPhase(grid, client, access, () => undefined);
    const results = await phase.run();
    console.log(accessConsole(results).join('\n'));
    const sides = [results.generate, results.tags].flatMap((pair) => [pair.direct, pair.gateway]);
    const first = sides.find((side) => side.errors > 0);
    if (first) throw new Error(`failed requests, the first: ${first.firstError}`);
  } finally {
    client.close();
    await grid.stop();
  }
}
