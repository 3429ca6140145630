import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

interface Status {
  state: string;
  priority?: string;
  queue?: { position: number; etaMs: number | null };
}

describe('Scheduler: availability, queue limits, positions, cordon and drain', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway({
      MAX_QUEUE_PER_MODEL: '3',
      FIRST_TOKEN_TIMEOUT: '1000',
      STALL_TIMEOUT: '1000',
      PRIORITY_AGING_MS: '1000',
    });
    fixture = await grid.startFixture({
      tokenDelayMs: 40,
      models: [{ name: 'sched:latest' }, { name: 'gone:latest' }],
    });
    await grid.startWorker('main', fixture, { MAX_CONCURRENT_TASKS: '1' });
  });

  afterAll(() => grid.stop());

  const status = async (id: string) =>
    (await (await fetch(`${grid.gatewayUrl}/inference/${id}/status`)).json()) as Status;
  const submit = async (prompt: string, model = 'sched') =>
    (
      (await (await postJson(`${grid.gatewayUrl}/inference`, { model, prompt, async: true })).json()) as {
        id: string;
      }
    ).id;
  const submitWith = async (body: Record<string, unknown>) =>
    (
      (await (
        await postJson(`${grid.gatewayUrl}/inference`, { model: 'sched', async: true, ...body })
      ).json()) as { id: string }
    ).id;
  const idle = () =>
    waitFor('idle queue', async () => {
      const queue = (await (await fetch(`${grid.gatewayUrl}/inference/queue`)).json()) as {
        activeJobs: number;
        queuedJobs: number;
      };
      return queue.activeJobs + queue.queuedJobs === 0;
    });

  it('reports how long a job waited and which worker took it', async () => {
    const sent = Date.now();
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'sched',
      prompt: 'hi',
      stream: false,
    });
    const { total_duration: engineNs } = (await response.json()) as { total_duration: number };
    const elapsedMs = Date.now() - sent;
    const queueMs = Number(response.headers.get('x-gridllm-queue-ms'));
    expect(response.headers.get('x-gridllm-worker')).toBe('main');
    expect(queueMs).toBeGreaterThanOrEqual(0);
    // The wait ends when the worker starts the job, before the engine's own time (8 tokens 40 ms apart): not
    // when the first of a merged answer's lines, held to share a write, reach the gateway.
    expect(queueMs + engineNs / 1e6).toBeLessThanOrEqual(elapsedMs);
  });

  it('shows the exact queue position and an ETA of a waiting job', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await submit(`pos${n}`));
    await waitFor('first running', async () => (await status(ids[0])).state === 'active');
    expect((await status(ids[1])).queue?.position).toBe(0);
    const last = await status(ids[2]);
    expect(last).toMatchObject({ state: 'queued', queue: { position: 1 } });
    expect(last.queue?.etaMs).toBeGreaterThan(0);
    await idle();
  });

  it('answers 503 with Retry-After when a model’s queue is full, and keeps what it accepted', async () => {
    const accepted: string[] = [];
    for (const n of [1, 2, 3, 4]) accepted.push(await submit(`fill${n}`));
    const rejected = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'sched',
      prompt: 'one too many',
    });
    expect(rejected.status).toBe(503);
    expect(rejected.headers.get('retry-after')).toBeTruthy();
    expect((await jsonOf(rejected)).error).toMatch(/MAX_QUEUE_PER_MODEL=3/);
    for (const id of accepted)
      await waitFor(`job ${id} done`, async () => (await status(id)).state === 'completed');
  });

  it('cordons a worker (new work waits elsewhere or gets 503), drains it, and uncordons it', async () => {
    await idle();
    const running = await submit('running while cordoned');
    await waitFor('running', async () => (await status(running)).state === 'active');
    const cordoned = (await (
      await fetch(`${grid.gatewayUrl}/admin/workers/main/cordon`, { method: 'POST' })
    ).json()) as { id: string };
    expect(cordoned.id).toBe('main');

    await waitFor('cordon acknowledged', async () => {
      const worker = (await (await fetch(`${grid.gatewayUrl}/admin/workers/main`)).json()) as {
        status: string;
      };
      return worker.status === 'draining' || worker.status === 'cordoned';
    });
    const refused = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'sched',
      prompt: 'x',
      stream: false,
    });
    expect(refused.status).toBe(503);
    const drained = (await (
      await fetch(`${grid.gatewayUrl}/admin/workers/main/drain?timeoutMs=10000`, { method: 'POST' })
    ).json()) as {
      status: string;
      runningJobs: number;
    };
    expect(drained).toMatchObject({ status: 'cordoned', runningJobs: 0 });
    expect((await status(running)).state).toBe('completed');

    await fetch(`${grid.gatewayUrl}/admin/workers/main/uncordon`, { method: 'POST' });
    await grid.waitForWorker('main', 'ready');
    const served = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'sched',
      prompt: 'back',
      stream: false,
    });
    expect(served.status).toBe(200);
  });

  it('ages a waiting low-priority job so it runs before a newer high-priority one', async () => {
    await idle();
    fixture.setTokenDelay(500);
    const blocker = await submit('aging blocker');
    await waitFor('blocker running', async () => (await status(blocker)).state === 'active');
    const low = await submitWith({ prompt: 'aged low', priority: 'low' });
    // PRIORITY_AGING_MS=1000: medium after 1 s of waiting, high after 2 s.
    await waitFor('promoted to high', async () => (await status(low)).priority === 'high', 10000, 100);
    const high = await submitWith({ prompt: 'fresh high', priority: 'high' });
    fixture.setTokenDelay(40);
    for (const id of [blocker, low, high])
      await waitFor(`job ${id}`, async () => (await status(id)).state === 'completed', 15000);
    const order = fixture.requests
      .map((request) => String((request.body as { prompt?: string } | undefined)?.prompt))
      .filter((prompt) => ['aging blocker', 'aged low', 'fresh high'].includes(prompt));
    expect(order).toEqual(['aging blocker', 'aged low', 'fresh high']);
  });

  it('ends a job whose first token does not come in time, naming the phase, and stops the engine', async () => {
    await idle();
    fixture.setTokenDelay(1500);
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'sched',
      prompt: 'slow start',
      stream: false,
    });
    fixture.setTokenDelay(40);
    expect(response.status).toBe(504);
    expect((await jsonOf(response)).error).toMatch(/\(first-token\): FIRST_TOKEN_TIMEOUT/);
    await waitFor('engine stopped', () => fixture.inFlight === 0);
  });

  it('answers 503, not 404, for a model whose only worker has just gone away', async () => {
    const other = await grid.startFixture({ models: [{ name: 'brief:latest' }] });
    await grid.startWorker('brief-worker', other);
    await grid.workers.get('brief-worker')?.stop('SIGKILL');
    // A request sent while the dead worker's record still lives would wait in the queue: give up on it quickly.
    const answer = await waitFor('worker record expired', async () => {
      const attempt = await postJson(
        `${grid.gatewayUrl}/api/generate`,
        { model: 'brief', prompt: 'x', stream: false },
        { signal: AbortSignal.timeout(300) },
      ).catch(() => null);
      return attempt?.status === 503 ? attempt : null;
    });
    expect(answer.headers.get('retry-after')).toBe('5');
    expect((await jsonOf(answer)).error).toMatch(/temporarily unavailable/);
    const never = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'never-existed', prompt: 'x' });
    expect(never.status).toBe(404);
  });
});
