import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

function promptsReceived(fixture: OllamaFixture): string[] {
  return fixture.requests
    .filter((request) => request.path === '/api/generate')
    .map((request) => String((request.body as { prompt?: string }).prompt));
}

async function submitAsync(base: string, body: Record<string, unknown>): Promise<string> {
  const response = await postJson(`${base}/inference`, { ...body, async: true });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function waitForState(base: string, id: string, state: string): Promise<void> {
  await waitFor(`job ${id} ${state}`, async () => {
    const status = (await (await fetch(`${base}/inference/${id}/status`)).json()) as { state: string };
    return status.state === state;
  });
}

describe('Scheduling across workers', () => {
  const grid = new TestGrid();

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
  });

  afterAll(() => grid.stop());

  it('runs a high-priority job queued behind low ones first', async () => {
    const fixture = await grid.startFixture({ tokenDelayMs: 30, models: [{ name: 'prio:latest' }] });
    await grid.startWorker('prio-worker', fixture, { MAX_CONCURRENT_TASKS: '1' });
    const base = grid.gatewayUrl;

    const blocker = await submitAsync(base, { model: 'prio', prompt: 'blocker' });
    await waitForState(base, blocker, 'active');
    const lows = [];
    for (const n of [1, 2, 3])
      lows.push(await submitAsync(base, { model: 'prio', prompt: `low${n}`, priority: 'low' }));
    const medium = await submitAsync(base, { model: 'prio', prompt: 'medium1' });
    const high = await submitAsync(base, { model: 'prio', prompt: 'high1', priority: 'high' });

    for (const id of [blocker, ...lows, medium, high]) await waitForState(base, id, 'completed');
    expect(promptsReceived(fixture)).toEqual(['blocker', 'high1', 'medium1', 'low1', 'low2', 'low3']);
    await grid.workers.get('prio-worker')?.stop();
  });

  it('never runs more jobs on a worker than its slots, however many are waiting', async () => {
    const fixture = await grid.startFixture({
      tokenDelayMs: 20,
      numParallel: 8,
      models: [{ name: 'slots:latest' }],
    });
    await grid.startWorker('slots-worker', fixture, { MAX_CONCURRENT_TASKS: '3' });
    const requests = Array.from({ length: 12 }, (_, n) =>
      postJson(`${grid.gatewayUrl}/api/generate`, { model: 'slots', prompt: `p${n}`, stream: false }),
    );
    const responses = await Promise.all(requests);

    expect(responses.map((response) => response.status)).toEqual(Array(12).fill(200));
    expect(fixture.completed).toBe(12);
    expect(fixture.peakInFlight).toBe(3);
    await grid.workers.get('slots-worker')?.stop();
  });

  it('shares load between two workers serving the same model', async () => {
    const first = await grid.startFixture({ tokenDelayMs: 20, models: [{ name: 'shared:latest' }] });
    const second = await grid.startFixture({ tokenDelayMs: 20, models: [{ name: 'shared:latest' }] });
    await grid.startWorker('share-1', first, { MAX_CONCURRENT_TASKS: '1' });
    await grid.startWorker('share-2', second, { MAX_CONCURRENT_TASKS: '1' });

    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        postJson(`${grid.gatewayUrl}/api/generate`, { model: 'shared', prompt: `s${n}`, stream: false }),
      ),
    );
    const workers = responses.map((response) => response.headers.get('x-gridllm-worker'));

    expect(first.completed + second.completed).toBe(6);
    expect(first.completed).toBeGreaterThanOrEqual(2);
    expect(second.completed).toBeGreaterThanOrEqual(2);
    expect(new Set(workers)).toEqual(new Set(['share-1', 'share-2']));
    expect(Math.max(first.peakInFlight, second.peakInFlight)).toBe(1);
  });

  it('gives a worker only jobs for models it has', async () => {
    const onlyA = await grid.startFixture({ models: [{ name: 'model-a:latest' }] });
    const onlyB = await grid.startFixture({ models: [{ name: 'model-b:latest' }] });
    await grid.startWorker('has-a', onlyA, { MAX_CONCURRENT_TASKS: '2' });
    await grid.startWorker('has-b', onlyB, { MAX_CONCURRENT_TASKS: '2' });

    const responses = await Promise.all(
      Array.from({ length: 4 }, (_, n) =>
        postJson(`${grid.gatewayUrl}/api/generate`, {
          model: n % 2 ? 'model-b' : 'model-a',
          prompt: `m${n}`,
          stream: false,
        }),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(
      onlyA.requests
        .filter((r) => r.path === '/api/generate')
        .map((r) => (r.body as { model: string }).model),
    ).toEqual(['model-a', 'model-a']);
    expect(
      onlyB.requests
        .filter((r) => r.path === '/api/generate')
        .map((r) => (r.body as { model: string }).model),
    ).toEqual(['model-b', 'model-b']);
  });
});
