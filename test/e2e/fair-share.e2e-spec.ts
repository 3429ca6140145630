import { TestGrid } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const ADMIN_KEY = 'admin-key-for-fair-share-e2e';
const MODEL = 'fair:latest';
const BACKLOG = 200;
const PROBES = 10;
/** 6 tokens × 40 ms: a job runs ~250 ms; 4 slots drain A's backlog in ~12 s. */
const TOKENS = 6;
const TOKEN_DELAY_MS = 40;
const SLOTS = 4;

interface Timed {
  status: number;
  queueMs: number;
  runMs: number;
}

/** One grid per policy: key A floods the model's queue, then key B sends jobs one at a time. */
async function floodThenProbe(fairShare: 'true' | 'false'): Promise<{ a: Timed[]; b: Timed[] }> {
  const grid = new TestGrid();
  try {
    await grid.start();
    const fixture = await grid.startFixture({
      tokensPerAnswer: TOKENS,
      tokenDelayMs: TOKEN_DELAY_MS,
      numParallel: SLOTS,
      models: [{ name: MODEL }],
    });
    await grid.startGateway({ ADMIN_API_KEY: ADMIN_KEY, FAIR_SHARE: fairShare });
    await grid.startWorker('fair-worker', fixture, { MAX_CONCURRENT_TASKS: String(SLOTS) });
    const keyA = await createKey(grid, { name: 'flooder' });
    const keyB = await createKey(grid, { name: 'interactive', shareWeight: 2 });

    // A's jobs go through the Ollama API, B's through the OpenAI one: the owner counts, not the route.
    let answered = 0;
    const backlog = Array.from({ length: BACKLOG }, (_, n) =>
      timed(grid, '/api/generate', { model: MODEL, prompt: `a${n}`, stream: false }, keyA).finally(
        () => (answered += 1),
      ),
    );
    // Every one of A's jobs is in (queued, running or answered) before B starts.
    const accepted = async () => (await queuedOrRunning(grid)) + answered >= BACKLOG;
    await waitFor('A’s backlog accepted', accepted, 30_000, 100);
    const b: Timed[] = [];
    for (let n = 0; n < PROBES; n++) {
      const body = { model: MODEL, messages: [{ role: 'user', content: `b${n}` }] };
      b.push(await timed(grid, '/v1/chat/completions', body, keyB));
    }
    return { a: await Promise.all(backlog), b };
  } finally {
    await grid.stop();
  }
}

async function createKey(grid: TestGrid, spec: Record<string, unknown>): Promise<string> {
  const response = await post(grid, '/admin/keys', { scopes: ['inference'], ...spec }, ADMIN_KEY);
  expect(response.status).toBe(201);
  const issued = (await response.json()) as { key: string; shareWeight?: number };
  expect(issued.shareWeight).toBe(spec.shareWeight);
  return issued.key;
}

async function timed(grid: TestGrid, path: string, body: unknown, key: string): Promise<Timed> {
  const started = Date.now();
  const response = await post(grid, path, body, key);
  await response.text();
  const queueMs = Number(response.headers.get('x-gridllm-queue-ms'));
  return { status: response.status, queueMs, runMs: Date.now() - started - queueMs };
}

function post(grid: TestGrid, path: string, body: unknown, key: string): Promise<Response> {
  return fetch(`${grid.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

async function queuedOrRunning(grid: TestGrid): Promise<number> {
  const response = await fetch(`${grid.gatewayUrl}/inference/queue`, {
    headers: { Authorization: `Bearer ${ADMIN_KEY}` },
  });
  const body = (await response.json()) as { queuedJobs: number; activeJobs: number };
  return body.queuedJobs + body.activeJobs;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe('Fair share between keys', () => {
  it('serves a light key next to a flooding one, and still completes every flooded job', async () => {
    const { a, b } = await floodThenProbe('true');
    const jobMs = mean(b.map((probe) => probe.runMs));
    console.log(
      `fair share on: B mean queue wait ${mean(b.map((p) => p.queueMs)).toFixed(0)} ms, job ${jobMs.toFixed(0)} ms`,
    );

    expect(a.map((job) => job.status)).toEqual(Array(BACKLOG).fill(200));
    expect(b.map((probe) => probe.status)).toEqual(Array(PROBES).fill(200));
    expect(mean(b.map((probe) => probe.queueMs))).toBeLessThanOrEqual(1.5 * jobMs);
  }, 120_000);

  it('leaves the light key behind the backlog with FAIR_SHARE=false (plain FIFO)', async () => {
    const { a, b } = await floodThenProbe('false');
    const jobMs = mean(b.map((probe) => probe.runMs));
    console.log(
      `fair share off: B first wait ${b[0].queueMs} ms, mean ${mean(b.map((p) => p.queueMs)).toFixed(0)} ms, job ${jobMs.toFixed(0)} ms`,
    );

    expect(a.map((job) => job.status)).toEqual(Array(BACKLOG).fill(200));
    // B's first job waits behind what is left of A's backlog: many job durations, not one.
    expect(b[0].queueMs).toBeGreaterThan(10 * jobMs);
    expect(mean(b.map((probe) => probe.queueMs))).toBeGreaterThan(1.5 * jobMs);
  }, 120_000);
});
