import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const TIMEOUTS = { FIRST_TOKEN_TIMEOUT: '1500', STALL_TIMEOUT: '1500' };

interface WorkerView {
  id: string;
  status: string;
  statusReason?: string;
  circuit?: string;
}

/**
 * A worker whose engine keeps answering HTTP while its generations are wedged (ollama#15950) leaves
 * placement after its first stalled job, is probed by canaries while the other worker serves everything,
 * and comes back once its engine recovers.
 */
describe('Deep health: stalled engines leave placement and come back through a canary', () => {
  const grid = new TestGrid();
  let flaky: OllamaFixture;
  let steady: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway(TIMEOUTS);
    flaky = await grid.startFixture({ models: [{ name: 'shared:latest' }], tokenDelayMs: 5 });
    steady = await grid.startFixture({ models: [{ name: 'shared:latest' }], tokenDelayMs: 5 });
    await grid.startWorker('flaky', flaky, {
      ...TIMEOUTS,
      MAX_CONCURRENT_TASKS: '4',
      CIRCUIT_PROBE_INTERVAL: '300',
      CIRCUIT_PROBE_TIMEOUT: '800',
    });
  });

  afterAll(() => grid.stop());

  const view = async (id: string): Promise<WorkerView | undefined> => {
    const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as WorkerView[];
    return workers.find((worker) => worker.id === id);
  };
  const generate = (prompt: string) =>
    postJson(`${grid.gatewayUrl}/api/generate`, { model: 'shared', prompt, stream: false });
  const prompts = (fixture: OllamaFixture) =>
    fixture.requests
      .filter((request) => request.path === '/api/generate')
      .map((request) => (request.body as { prompt?: string }).prompt);

  it('takes a worker whose job stalled out of placement, showing why in /admin/workers, /health and metrics', async () => {
    flaky.setWedged(true);
    const stalled = await generate('first job');
    expect(stalled.status).toBe(504);
    expect((await jsonOf(stalled)).error).toMatch(/FIRST_TOKEN_TIMEOUT/);

    const worker = await waitFor('flaky out of placement', async () => {
      const found = await view('flaky');
      return found?.status === 'not-ready' ? found : null;
    });
    expect(worker.circuit).toMatch(/^(open|half-open)$/);
    expect(worker.statusReason).toMatch(/stalled \(no token within FIRST_TOKEN_TIMEOUT|canary failed/);
    const health = (await (await fetch(`${grid.gatewayUrl}/health`)).json()) as {
      details: { workers: { circuitOpen: number; ready: number } };
    };
    expect(health.details.workers).toMatchObject({ circuitOpen: 1, ready: 0 });
    const metrics = await (await fetch(`${grid.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/^gridllm_workers_circuit_open 1$/m);
    const workerUrl = await grid.workers.get('flaky')?.url;
    const own = (await (await fetch(`${workerUrl}/health`)).json()) as Record<string, unknown>;
    expect(own).toMatchObject({ status: 'not-ready', circuit: expect.stringMatching(/open$/) });
    const workerMetrics = await (await fetch(`${workerUrl}/metrics`)).text();
    expect(workerMetrics).toMatch(/^gridllm_worker_circuit_open 1$/m);
    expect(workerMetrics).toMatch(/^gridllm_worker_circuit_trips 1$/m);
  });

  it('probes the wedged engine with one-token canaries, backing off, while the healthy worker serves everything', async () => {
    await grid.startWorker('steady', steady);
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((name) => generate(`job ${name}`)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(prompts(steady).filter((prompt) => prompt?.startsWith('job '))).toHaveLength(6);
    expect(prompts(flaky).filter((prompt) => prompt?.startsWith('job '))).toHaveLength(0);

    const canaries = flaky.requests.filter((request) => request.path === '/api/generate').slice(1);
    expect(canaries.length).toBeGreaterThan(0);
    expect(canaries[0].body).toMatchObject({ model: 'shared:latest', options: { num_predict: 1 } });
    // A canary that was sent fails CIRCUIT_PROBE_TIMEOUT later; the worker then says why it stays out.
    const canaryFailed = /canary failed \(shared:latest: no answer within CIRCUIT_PROBE_TIMEOUT/;
    await waitFor('the canary failure reported', async () =>
      canaryFailed.test((await view('flaky'))?.statusReason ?? ''),
    );
  });

  it('brings the worker back once its engine recovers and a canary succeeds', async () => {
    flaky.setWedged(false);
    await waitFor('flaky back in placement', async () => (await view('flaky'))?.status === 'ready', 15000);
    expect(await view('flaky')).toMatchObject({ circuit: 'closed' });
    expect(flaky.completed).toBeGreaterThan(0);

    await postJson(`${grid.gatewayUrl}/admin/workers/steady/cordon`, {});
    await waitFor('steady cordoned', async () => (await view('steady'))?.status === 'cordoned');
    const answer = await generate('after recovery');
    expect(answer.status).toBe(200);
    expect(prompts(flaky)).toContain('after recovery');
  });
});
