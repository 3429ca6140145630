import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

describe('Placement: warm workers first, never idle while work waits', () => {
  const grid = new TestGrid();
  let warm: OllamaFixture;
  let cold: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    warm = await grid.startFixture({
      tokenDelayMs: 30,
      models: [{ name: 'pl:latest' }],
      loaded: ['pl:latest'],
    });
    cold = await grid.startFixture({ tokenDelayMs: 30, models: [{ name: 'pl:latest' }] });
    await grid.startWorker('warm-worker', warm, { MAX_CONCURRENT_TASKS: '2' });
    await grid.startWorker('cold-worker', cold, { MAX_CONCURRENT_TASKS: '2' });
    await waitFor('warm worker reports the model loaded', async () => {
      const worker = (await (await fetch(`${grid.gatewayUrl}/admin/workers/warm-worker`)).json()) as {
        loadedModels: Array<{ name: string }>;
      };
      return worker.loadedModels.some((model) => model.name === 'pl:latest');
    });
  });

  afterAll(() => grid.stop());

  const generate = (prompt: string) =>
    postJson(`${grid.gatewayUrl}/api/generate`, { model: 'pl', prompt, stream: false });

  it('sends every job to the worker where the model is loaded while it has a free slot', async () => {
    const workers: Array<string | null> = [];
    for (let n = 0; n < 8; n++)
      workers.push((await generate(`one at a time ${n}`)).headers.get('x-gridllm-worker'));
    expect(workers).toEqual(Array(8).fill('warm-worker'));
    expect(cold.completed).toBe(0);
  });

  it('uses the cold worker too once the warm one is full, within the affinity delay', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, (_, n) => generate(`burst ${n}`)));
    const byWorker = responses.map((response) => response.headers.get('x-gridllm-worker'));
    const coldQueueMs = responses
      .filter((response) => response.headers.get('x-gridllm-worker') === 'cold-worker')
      .map((response) => Number(response.headers.get('x-gridllm-queue-ms')));
    expect(byWorker.filter((worker) => worker === 'warm-worker').length).toBeGreaterThanOrEqual(2);
    expect(byWorker.filter((worker) => worker === 'cold-worker').length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...coldQueueMs)).toBeLessThan(1000);
    expect(warm.peakInFlight).toBeLessThanOrEqual(2);
    expect(cold.peakInFlight).toBeLessThanOrEqual(2);
  });
});
