/**
 * `npm run bench:warm-ahead`: one warm worker and two idle cold ones (fixture engines that take LOAD_MS to
 * load a model), then a burst of BURST streaming requests; time to drain and TTFT (first NDJSON line)
 * p50/p95, with WARM_AHEAD off and on, RUNS times each, alternating. One grid for everything (starting
 * apps is what a busy machine does worst): the warm worker has every model loaded; two cold workers with
 * WARM_AHEAD=false serve the `off-N` models, two with WARM_AHEAD=true the `on-N` ones; each run uses a
 * model nobody has loaded but the warm worker. Stops everything it started.
 */
import { OllamaFixture } from '../test/fixtures/ollama-fixture';
import { TestGrid, postJson, readNdjson } from '../test/support/test-grid';
import { waitFor } from '../test/support/wait-for';

const BURST = Number(process.env.BURST ?? 30);
const RUNS = Number(process.env.RUNS ?? 3);
const LOAD_MS = Number(process.env.LOAD_MS ?? 3000);
const TOKENS = Number(process.env.TOKENS ?? 5);
const TOKEN_DELAY_MS = Number(process.env.TOKEN_DELAY_MS ?? 50);
const SLOTS = Number(process.env.SLOTS ?? 2);
const MODES = ['off', 'on'] as const;
type Mode = (typeof MODES)[number];

interface RunResult {
  drainMs: number;
  ttftP50: number;
  ttftP95: number;
  /** Jobs the cold workers ran (the rest ran on the warm one). */
  coldJobs: number;
}

const modelOf = (mode: Mode, run: number) => `${mode}-${run}:latest`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function startGrid(grid: TestGrid): Promise<Record<Mode, OllamaFixture[]>> {
  await grid.start();
  await grid.startGateway();
  const all = MODES.flatMap((mode) => Array.from({ length: RUNS }, (_, n) => modelOf(mode, n + 1)));
  const engine = { tokensPerAnswer: TOKENS, tokenDelayMs: TOKEN_DELAY_MS, numParallel: SLOTS };
  const slots = { MAX_CONCURRENT_TASKS: String(SLOTS) };
  const warm = await grid.startFixture({ ...engine, models: all.map((name) => ({ name })), loaded: all });
  await grid.startWorker('warm', warm, slots);
  await waitFor('the warm worker reports its models loaded', async () => {
    const worker = (await (await fetch(`${grid.gatewayUrl}/admin/workers/warm`)).json()) as {
      loadedModels?: unknown[];
    };
    return (worker.loadedModels?.length ?? 0) === all.length;
  });
  const cold = { off: [] as OllamaFixture[], on: [] as OllamaFixture[] };
  for (const mode of MODES) {
    const models = all.filter((name) => name.startsWith(mode)).map((name) => ({ name }));
    for (const n of [1, 2]) {
      const fixture = await grid.startFixture({ ...engine, models, loadDelayMs: LOAD_MS });
      cold[mode].push(fixture);
      await grid.startWorker(`cold-${mode}-${n}`, fixture, { ...slots, WARM_AHEAD: String(mode === 'on') });
    }
  }
  return cold;
}

async function burst(grid: TestGrid, model: string, cold: OllamaFixture[]): Promise<RunResult> {
  const jobsBefore = cold.reduce((sum, fixture) => sum + fixture.completed, 0);
  const started = Date.now();
  const ttfts = await Promise.all(
    Array.from({ length: BURST }, async (_, n) => {
      const sent = Date.now();
      const response = await postJson(`${grid.gatewayUrl}/api/generate`, { model, prompt: `b${n}` });
      const lines = await readNdjson(response);
      if (response.status !== 200) throw new Error(`request ${n}: ${response.status}`);
      return lines[0].at - sent;
    }),
  );
  const drainMs = Date.now() - started;
  const sorted = [...ttfts].sort((a, b) => a - b);
  const coldJobs = cold.reduce((sum, fixture) => sum + fixture.completed, 0) - jobsBefore;
  return { drainMs, ttftP50: percentile(sorted, 50), ttftP95: percentile(sorted, 95), coldJobs };
}

async function main(): Promise<void> {
  const grid = new TestGrid();
  try {
    const cold = await startGrid(grid);
    console.log(
      `warm-ahead: burst ${BURST}, 1 warm + 2 cold workers × ${SLOTS} slots, load ${LOAD_MS} ms, ` +
        `job ${TOKENS} tokens × ${TOKEN_DELAY_MS} ms`,
    );
    console.log('| WARM_AHEAD | run | drain (ms) | TTFT p50 (ms) | TTFT p95 (ms) | jobs on cold workers |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (let run = 1; run <= RUNS; run++) {
      for (const mode of MODES) {
        const result = await burst(grid, modelOf(mode, run), cold[mode]);
        const { drainMs, ttftP50, ttftP95, coldJobs } = result;
        console.log(`| ${mode} | ${run} | ${drainMs} | ${ttftP50} | ${ttftP95} | ${coldJobs} |`);
      }
    }
  } finally {
    await grid.stop();
  }
}

void main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
