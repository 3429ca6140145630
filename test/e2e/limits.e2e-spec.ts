import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

describe('Limits and deadlines', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ tokenDelayMs: 400, models: [{ name: 'slow:latest' }] });
    await grid.startGateway({ MAX_CONCURRENT_JOBS: '2', DEFAULT_JOB_TIMEOUT: '1500' });
    await grid.startWorker('slow-worker', fixture, { MAX_CONCURRENT_TASKS: '1' });
  });

  afterAll(() => grid.stop());

  const state = async (id: string) =>
    (await (await fetch(`${grid.gatewayUrl}/inference/${id}/status`)).json()) as {
      state: string;
      error?: string;
    };

  it('answers 503 with Retry-After beyond MAX_CONCURRENT_JOBS and keeps the jobs it accepted', async () => {
    const accepted: string[] = [];
    for (const prompt of ['first', 'second']) {
      const response = await postJson(`${grid.gatewayUrl}/inference`, { model: 'slow', prompt, async: true });
      accepted.push(((await response.json()) as { id: string }).id);
    }
    const rejected = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'slow', prompt: 'third' });

    expect(rejected.status).toBe(503);
    expect(rejected.headers.get('retry-after')).toBe('2');
    expect((await jsonOf(rejected)).error).toMatch(/MAX_CONCURRENT_JOBS=2/);
    for (const id of accepted) {
      await waitFor(
        `job ${id} ended`,
        async () => ['completed', 'failed'].includes((await state(id)).state),
        10000,
      );
    }
    // Both accepted jobs ran to an end of their own (here: their deadline), none was dropped.
    for (const id of accepted) expect((await state(id)).error).toMatch(/deadline/);
  });

  it('ends a job that outlives DEFAULT_JOB_TIMEOUT with a clear error', async () => {
    await waitFor('queue empty', async () => {
      const queue = (await (await fetch(`${grid.gatewayUrl}/inference/queue`)).json()) as {
        activeJobs: number;
        queuedJobs: number;
      };
      return queue.activeJobs + queue.queuedJobs === 0;
    });
    const streamed = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'slow', prompt: 'too long' });
    const lines = (await readNdjson(streamed)).map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    const last = lines[lines.length - 1];

    expect(streamed.status).toBe(200);
    expect(lines.filter((line) => line.done === true)).toHaveLength(0);
    expect(String(last.error)).toMatch(/deadline|timed out/);
    await waitFor('engine stopped', () => fixture.inFlight === 0, 5000);
  });

  it('rejects a malformed resume id with 400', async () => {
    const response = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'slow',
      prompt: 'x',
      async: true,
    });
    const { id } = (await response.json()) as { id: string };
    const bad = await fetch(`${grid.gatewayUrl}/inference/${id}/stream?after=abc`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'after must be an event id such as 1-5' });
  });
});
