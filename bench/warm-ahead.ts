/**
 * `npm run bench:warm-ahead`: one warm worker and two idle cold ones (fixture engines that take LOAD_MS to
 * load the model), then a burst of BURST streaming requests; time to drain and TTFT (first NDJSON line)
 * p50/p95, with WARM_AHEAD off and on, RUNS times each, alternating. Stops everything it started.
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
const MODEL = 'warm:latest';

interface RunResult {
  drainMs: number;
  ttftP50: number;
  ttftP95: number;
  /** Jobs each cold worker ran (the rest ran on the warm one). */
  coldJobs: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function oneRun(warmAhead: 'true' | 'false'): Promise<RunResult> {
  const grid = new TestGrid();
  try {
    await grid.start();
    await grid.startGateway();
    const models = [{ name: MODEL }];
    const engine = { tokensPerAnswer: TOKENS, tokenDelayMs: TOKEN_DELAY_MS, numParallel: SLOTS, models };
    const env = { MAX_CONCURRENT_TASKS: String(SLOTS), WARM_AHEAD: warmAhead };
    await grid.startWorker('warm', await grid.startFixture({ ...engine, loaded: [MODEL] }), env);
    await waitFor('the warm worker reports its model loaded', async () => {
      const worker = (await (await fetch(`${grid.gatewayUrl}/admin/workers/warm`)).json()) as {
        loadedModels?: unknown[];
      };
      return (worker.loadedModels?.length ?? 0) > 0;
    });
    const cold: OllamaFixture[] = [];
    for (const id of ['cold-1', 'cold-2']) {
      const fixture = await grid.startFixture({ ...engine, loadDelayMs: LOAD_MS });
      cold.push(fixture);
      await grid.startWorker(id, fixture, env);
    }
    const started = Date.now();
    const ttfts = await Promise.all(
      Array.from({ length: BURST }, async (_, n) => {
        const sent = Date.now();
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, { model: MODEL, prompt: `b${n}` });
        const lines = await readNdjson(response);
        if (response.status !== 200) throw new Error(`request ${n}: ${response.status}`);
        return lines[0].at - sent;
      }),
    );
    const drainMs = Date.now() - started;
    const sorted = [...ttfts].sort((a, b) => a - b);
    const coldJobs = cold.map(
      (fixture) => fixture.requests.filter((r) => r.headers['x-gridllm-job-id'] !== undefined).length,
    );
    return { drainMs, ttftP50: percentile(sorted, 50), ttftP95: percentile(sorted, 95), coldJobs };
  } finally {
    await grid.stop();
  }
}

/** On a busy machine an app may miss its start timeout: that run is repeated (at most twice), not counted. */
async function runWithRetry(mode: 'true' | 'false'): Promise<RunResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await oneRun(mode);
    } catch (error) {
      if (attempt >= 3) throw error;
      console.error(`run failed (${(error as Error).message}); repeating it`);
    }
  }
}

async function main(): Promise<void> {
  console.log(
    `warm-ahead: burst ${BURST}, 1 warm + 2 cold workers × ${SLOTS} slots, load ${LOAD_MS} ms, ` +
      `job ${TOKENS} tokens × ${TOKEN_DELAY_MS} ms`,
  );
  console.log('| WARM_AHEAD | run | drain (ms) | TTFT p50 (ms) | TTFT p95 (ms) | jobs on cold workers |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (let run = 1; run <= RUNS; run++) {
    for (const mode of ['false', 'true'] as const) {
      const result = await runWithRetry(mode);
      console.log(
        `| ${mode} | ${run} | ${result.drainMs} | ${result.ttftP50} | ${result.ttftP95} | ${result.coldJobs.join(' + ')} |`,
      );
    }
  }
}

void main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
