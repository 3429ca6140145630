import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';
import { HeartbeatWatch, percentile, TROUBLE_IN_LOGS } from '../support/worker-watch';

const MODEL = 'greedy:latest';
const FLOOD_TOKENS = 1_000_000;
const SMALL_JOBS = 20;
/**
 * Rounds until one stays within 2×. A p99 of 20 jobs is their slowest, so a busy machine can spoil a
 * round: a CI run beside other test processes had 3.2, 2.4 and 2.003.
 */
const ROUNDS = 5;

/**
 * One generation streaming as fast as its engine can (the fixture with no token delay) must not starve
 * the other jobs on its worker, its heartbeats or its lock renewals, and no job may run twice.
 */
describe('A greedy job on a shared worker', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    fixture = await grid.startFixture({
      models: [{ name: MODEL }],
      tokensPerAnswer: FLOOD_TOKENS,
      tokenDelayMs: 0,
      numParallel: 4,
    });
    await grid.startWorker('shared', fixture, { MAX_CONCURRENT_TASKS: '4' });
  });

  afterAll(() => grid.stop());

  /** One short generation (8 tokens); resolves with its job id and how long the client waited. */
  async function smallJob(n: number): Promise<{ jobId: string; ms: number }> {
    const started = performance.now();
    const body = { model: MODEL, prompt: `small job ${n}`, stream: false, options: { num_predict: 8 } };
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, body);
    const answer = (await response.json()) as { response?: string };
    const ms = performance.now() - started;
    expect(response.status).toBe(200);
    expect(answer.response).toBe(fixture.expectedTokens('generate', body).join(''));
    return { jobId: response.headers.get('x-gridllm-job-id') ?? '', ms };
  }

  async function smallJobs(from: number): Promise<Array<{ jobId: string; ms: number }>> {
    const runs = [];
    for (let n = from; n < from + SMALL_JOBS; n++) runs.push(await smallJob(n));
    return runs;
  }

  /** 20 small jobs without, then 20 beside a million-token flood; checks what must hold in every round. */
  async function round(index: number): Promise<{ base: number[]; loaded: number[] }> {
    const baseline = await smallJobs(index * 1000);
    const heartbeats = new HeartbeatWatch(grid, 'shared');
    const flood = new AbortController();
    const response = await postJson(
      `${grid.gatewayUrl}/api/generate`,
      { model: MODEL, prompt: `flood ${index}`, raw: true, options: { num_predict: FLOOD_TOKENS } },
      { signal: flood.signal },
    );
    const floodJobId = response.headers.get('x-gridllm-job-id') ?? '';
    const lines = countLines(response.body as unknown as AsyncIterable<Uint8Array>);
    await waitFor('the flood in full swing', () => lines.count >= 5_000, 30_000);
    const atStart = lines.count;
    const during = await smallJobs(index * 1000 + 500);
    const streamedMeanwhile = lines.count - atStart;
    // The heartbeat watch must have looked a few times while the flood ran, however quick the round was.
    await waitFor('heartbeat samples during the flood', () => heartbeats.samples > 3, 10_000);
    flood.abort();
    await lines.done.catch(() => undefined);
    const lapses = await heartbeats.stop();

    const base = baseline.map((run) => run.ms);
    const loaded = during.map((run) => run.ms);
    process.stdout.write(
      `round ${index}: small jobs without flood p50 ${percentile(base, 50).toFixed(1)} ms p99 ${percentile(base, 99).toFixed(1)} ms; ` +
        `with flood p50 ${percentile(loaded, 50).toFixed(1)} ms p99 ${percentile(loaded, 99).toFixed(1)} ms; ` +
        `flood lines ${atStart + streamedMeanwhile} (${streamedMeanwhile} while measuring), heartbeat samples ${heartbeats.samples}\n`,
    );
    // The flood really ran beside the small jobs, and nothing lapsed or ran twice meanwhile.
    expect(streamedMeanwhile).toBeGreaterThan(SMALL_JOBS);
    expect(lapses).toEqual([]);
    expect(heartbeats.samples).toBeGreaterThan(3);
    for (const { jobId } of [...baseline, ...during]) expect(fixture.engineCallsFor(jobId)).toBe(1);
    await waitFor('the flood job cancelled on the worker', () => fixture.inFlight === 0, 15_000);
    expect(fixture.engineCallsFor(floodJobId)).toBe(1);
    return { base, loaded };
  }

  it('keeps small jobs within 2× their own time, heartbeats and locks intact, each job run once', async () => {
    for (let n = 0; n < 5; n++) await smallJob(100_000 + n); // warm-up: connections, JIT
    // Other work on the machine makes single rounds noisy (a p99 of 20 is their slowest): a round within
    // 2× passes; a flood that really slows the worker fails every round (it cost seconds before the fix).
    const ratios: number[] = [];
    for (let index = 0; index < ROUNDS && !ratios.some((ratio) => ratio <= 2); index++) {
      const { base, loaded } = await round(index);
      ratios.push(percentile(loaded, 99) / percentile(base, 99));
    }
    expect(Math.min(...ratios)).toBeLessThanOrEqual(2);
    expect([...fixture.engineCallsByJob.values()].every((calls) => calls === 1)).toBe(true);
    expect(grid.workers.get('shared')?.logs).not.toMatch(TROUBLE_IN_LOGS);
  }, 240_000);
});

/** Counts NDJSON lines of a response body without parsing them (the reader must stay cheap). */
function countLines(body: AsyncIterable<Uint8Array>): { count: number; done: Promise<void> } {
  const counter = { count: 0, done: Promise.resolve() };
  counter.done = (async () => {
    for await (const bytes of body) {
      for (let index = bytes.indexOf(10); index >= 0; index = bytes.indexOf(10, index + 1)) counter.count++;
    }
  })();
  return counter;
}
