import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

describe('Native job API', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ tokenDelayMs: 25, models: [{ name: 'llama3.2:latest' }] });
    await grid.startGateway();
    await grid.startWorker('native-worker', fixture, { MAX_CONCURRENT_TASKS: '1' });
  });

  afterAll(() => grid.stop());

  const status = async (id: string) =>
    (await (await fetch(`${grid.gatewayUrl}/inference/${id}/status`)).json()) as Record<string, unknown>;

  it('waits and returns the result with the job id', async () => {
    const response = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'sync please',
    });
    const body = (await response.json()) as { id: string; status: string; result: { response: string } };
    expect(response.status).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.result.response).toBe(fixture.expectedTokens('generate', { prompt: 'sync please' }).join(''));
    expect(await status(body.id)).toMatchObject({
      state: 'completed',
      workerId: 'native-worker',
      priority: 'medium',
    });
  });

  it('keeps an async job and its result across a gateway restart', async () => {
    const accepted = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'survive',
      async: true,
    });
    expect(accepted.status).toBe(202);
    const { id, status: state } = (await accepted.json()) as { id: string; status: string };
    expect(state).toBe('queued');

    await grid.gateway?.stop('SIGKILL');
    await grid.startGateway();

    await waitFor('result after restart', async () => (await status(id)).state === 'completed');
    const result = (await (await fetch(`${grid.gatewayUrl}/inference/${id}/result`)).json()) as {
      result: { response: string; done: boolean };
    };
    expect(result.result.response).toBe(fixture.expectedTokens('generate', { prompt: 'survive' }).join(''));
    expect(result.result.done).toBe(true);
  });

  it('replays a job stream from the start, or after an event id', async () => {
    const response = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'replay',
      stream: true,
    });
    const id = response.headers.get('x-gridllm-job-id') as string;
    const live = (await readNdjson(response)).map(({ line }) => line);

    const replay = (await readNdjson(await fetch(`${grid.gatewayUrl}/inference/${id}/stream`))).map(
      ({ line }) => line,
    );
    const resumed = (
      await readNdjson(await fetch(`${grid.gatewayUrl}/inference/${id}/stream?after=1-3`))
    ).map(({ line }) => line);
    expect(replay).toEqual(live);
    expect(resumed).toEqual(live.slice(3));
  });

  it('cancels a queued job so it never reaches the engine', async () => {
    const blocker = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'blocking',
      async: true,
    });
    const blockerId = ((await blocker.json()) as { id: string }).id;
    await waitFor('blocker active', async () => (await status(blockerId)).state === 'active');
    const queued = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'never-run',
      async: true,
    });
    const queuedId = ((await queued.json()) as { id: string }).id;

    const cancel = await fetch(`${grid.gatewayUrl}/inference/${queuedId}`, { method: 'DELETE' });
    expect(await cancel.json()).toEqual({ id: queuedId, status: 'cancelled' });
    await waitFor('blocker done', async () => (await status(blockerId)).state === 'completed');

    expect(await status(queuedId)).toMatchObject({ state: 'cancelled' });
    expect(fixture.requests.some((r) => (r.body as { prompt?: string })?.prompt === 'never-run')).toBe(false);
    const result = await fetch(`${grid.gatewayUrl}/inference/${queuedId}/result`);
    expect(((await result.json()) as { state: string }).state).toBe('cancelled');
  });

  it('cancels a running job on the engine', async () => {
    fixture.resetCounters();
    fixture.setTokenDelay(100);
    const accepted = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'abort me',
      async: true,
    });
    const { id } = (await accepted.json()) as { id: string };
    await waitFor('running on engine', () => fixture.inFlight === 1);

    await fetch(`${grid.gatewayUrl}/inference/${id}`, { method: 'DELETE' });

    await waitFor('engine abort', () => fixture.aborted === 1);
    await waitFor('cancelled state', async () => (await status(id)).state === 'cancelled');
    fixture.setTokenDelay(25);
  });

  it('answers 404 for an unknown job and 409 for a result not ready yet', async () => {
    const unknown = await fetch(`${grid.gatewayUrl}/inference/00000000-0000-0000-0000-000000000000/status`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'job "00000000-0000-0000-0000-000000000000" not found' });

    fixture.setTokenDelay(100);
    const accepted = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'slow',
      async: true,
    });
    const { id } = (await accepted.json()) as { id: string };
    const early = await fetch(`${grid.gatewayUrl}/inference/${id}/result`);
    expect(early.status).toBe(409);
    fixture.setTokenDelay(25);
    await waitFor('slow done', async () => (await status(id)).state === 'completed');
  });

  it('lists models with their workers and free slots, and the queue depth', async () => {
    // Load is published with each heartbeat, so wait for the beat after the previous test's job.
    const models = await waitFor('idle worker in /inference/models', async () => {
      const body = (await (await fetch(`${grid.gatewayUrl}/inference/models`)).json()) as Array<{
        freeSlots: number;
      }>;
      return body[0]?.freeSlots === 1 ? body : null;
    });
    expect(models).toEqual([
      {
        model: 'llama3.2:latest',
        freeSlots: 1,
        workers: [{ id: 'native-worker', freeSlots: 1, loaded: expect.any(Boolean) }],
      },
    ]);
    const queue = (await (await fetch(`${grid.gatewayUrl}/inference/queue`)).json()) as Record<
      string,
      unknown
    >;
    expect(queue).toMatchObject({ workersOnline: 1, activeJobs: 0, queuedJobs: 0 });
    const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as Array<
      Record<string, unknown>
    >;
    expect(workers[0]).toMatchObject({ id: 'native-worker', status: 'ready', slots: 1, engine: 'ollama' });
    expect((await fetch(`${grid.gatewayUrl}/admin/workers/nope`)).status).toBe(404);
  });

  it('rejects an unknown priority with 400', async () => {
    const response = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'x',
      priority: 'urgent',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'priority must be one of high, medium, low' });
  });

  it('frees the slot of a job whose gateway died, since its client went with it', async () => {
    fixture.resetCounters();
    // A 16 s answer: longer than the gateway's presence outlives it (3 s) plus the workers' grace (5 s).
    fixture.setTokenDelay(2000);
    const controller = new AbortController();
    const pending = postJson(
      `${grid.gatewayUrl}/api/generate`,
      { model: 'llama3.2', prompt: 'orphan' },
      { signal: controller.signal },
    ).catch(() => null);
    await waitFor('running on engine', () => fixture.inFlight === 1);
    await grid.gateway?.stop('SIGKILL');
    controller.abort();
    await pending;

    await waitFor('engine aborted after the gateway vanished', () => fixture.aborted === 1, 15000);
    fixture.setTokenDelay(25);
    await grid.startGateway();
  });
});

describe('Native job API: results kept for RESULT_TTL', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    // Ollama API jobs are kept STREAM_TTL (1 s here), native API jobs RESULT_TTL (an hour).
    await grid.startGateway({ STREAM_TTL: '1', RESULT_TTL: '3600' });
    await grid.startWorker('retention-worker', fixture);
  });

  afterAll(() => grid.stop());

  it("keeps an async job's result after later Ollama jobs outlive their own, shorter retention", async () => {
    const accepted = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'keep me',
      async: true,
    });
    const { id } = (await accepted.json()) as { id: string };
    const resultOf = () => fetch(`${grid.gatewayUrl}/inference/${id}/result`);
    await waitFor('async job done', async () => (await resultOf()).status === 200);

    // Ollama jobs completing more than STREAM_TTL later: each completion may remove expired jobs.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    for (let i = 0; i < 3; i++) {
      const sync = await postJson(`${grid.gatewayUrl}/api/generate`, {
        model: 'llama3.2',
        prompt: `later ${i}`,
        stream: false,
      });
      expect(sync.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 600));
    }

    const kept = await resultOf();
    expect(kept.status).toBe(200);
    const body = (await kept.json()) as { result: { response: string } };
    expect(body.result.response).toBe(fixture.expectedTokens('generate', { prompt: 'keep me' }).join(''));
  });
});
