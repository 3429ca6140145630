/**
 * The job rows of `npm run bench:access`: the bench's own access phase (bench/access.ts, generate
 * stream:false and GET /api/tags, auth off vs on, ABBA) on a grid of its own, so it runs without the
 * rest of `npm run bench` (and without rewriting docs/benchmarks.md).
 */
import { AccessPhase } from './access';
import { BenchGrid } from './grid';
import { BenchHttpClient } from './http-client';
import { benchSettings } from './settings';
import { SideResult } from './scenarios';
import { percentile } from './stats';

export async function accessJobRows(): Promise<void> {
  const settings = benchSettings();
  const grid = new BenchGrid({
    model: settings.model,
    tokens: settings.tokens,
    fixtureParallel: settings.parallel,
    workerSlots: settings.parallel,
    startTimeoutMs: settings.startTimeoutMs,
    stopTimeoutMs: 20_000,
  });
  const client = new BenchHttpClient(4, settings.requestTimeoutMs);
  try {
    await grid.start(() => undefined);
    const { model, warmup, blockSize } = settings;
    const requests = settings.access?.requests ?? 500;
    const phase = new AccessPhase(grid, client, { model, warmup, blockSize, requests }, () => undefined);
    const results = await phase.run();
    console.log(`auth off vs API key + rate limit, c=1, ${requests} per side, ABBA blocks of ${blockSize}`);
    for (const [name, sides] of [
      ['generate stream:false', results.generate],
      ['GET /api/tags', results.tags],
    ] as const) {
      const off = p50(sides.direct);
      const on = p50(sides.gateway);
      const added = (on - off).toFixed(3);
      console.log(
        `${name.padEnd(22)} off p50 ${off.toFixed(3)} ms  on p50 ${on.toFixed(3)} ms  added ${added} ms`,
      );
    }
  } finally {
    client.close();
    await grid.stop();
  }
}

function p50(result: SideResult): number {
  if (result.errors > 0) throw new Error(`${result.errors} failed requests: ${result.firstError}`);
  return percentile(
    [...result.samples].sort((a, b) => a - b),
    50,
  );
}
