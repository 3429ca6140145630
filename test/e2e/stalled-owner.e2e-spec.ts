import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MODEL = 'stall:latest';
const LOCK_MS = 1000;

/**
 * A worker whose process stalls past its job's lock (here: SIGSTOP) while it is alive: BullMQ hands the
 * job to another worker, which must wait for the first run instead of running the job a second time.
 */
describe('A job whose worker stalls past its lock', () => {
  const grid = new TestGrid();
  let first: OllamaFixture;
  let second: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    const options = { models: [{ name: MODEL }], tokensPerAnswer: 120, tokenDelayMs: 40 };
    first = await grid.startFixture(options);
    second = await grid.startFixture(options);
    const env = { JOB_LOCK_DURATION: String(LOCK_MS), MAX_CONCURRENT_TASKS: '1' };
    await grid.startWorker('stalling', first, env);
    await grid.startWorker('patient', second, env);
  });

  afterAll(() => grid.stop());

  const admin = (path: string) => fetch(`${grid.gatewayUrl}${path}`, { method: 'POST' });

  it('is finished by its first run, recorded once, and never run on the second worker', async () => {
    await admin('/admin/workers/patient/cordon');
    await waitFor('patient cordoned', async () => {
      const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as Array<{
        id: string;
        status: string;
      }>;
      return workers.find((worker) => worker.id === 'patient')?.status === 'cordoned';
    });
    const body = { model: MODEL, prompt: 'one run only' };
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, body);
    const jobId = response.headers.get('x-gridllm-job-id') ?? '';
    const lines = readNdjson(response);
    await waitFor('the job running on the first worker', () => first.inFlight === 1);
    await admin('/admin/workers/patient/uncordon');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the uncordon reaches the worker

    // Frozen for two locks: the lock lapses and the job goes to the patient worker, but the stalled
    // worker's record (3 heartbeats) and its run's owner key outlive the freeze.
    const pid = grid.workers.get('stalling')?.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 2 * LOCK_MS));
    await waitFor('the patient worker holding the job', async () =>
      /still running as/.test(grid.workers.get('patient')?.logs ?? ''),
    ).finally(() => process.kill(pid, 'SIGCONT'));

    const received = (await lines).map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    const text = received.map((line) => (typeof line.response === 'string' ? line.response : '')).join('');
    expect(received.filter((line) => line.done === true)).toHaveLength(1);
    expect(received.some((line) => 'error' in line)).toBe(false);
    expect(text).toBe(first.expectedTokens('generate', body).join(''));
    expect([first.engineCallsFor(jobId), second.engineCallsFor(jobId)]).toEqual([1, 0]);
    const status = await waitFor('the job recorded as completed', async () => {
      const answer = (await (await fetch(`${grid.gatewayUrl}/inference/${jobId}/status`)).json()) as {
        state: string;
        workerId: string;
      };
      return answer.state === 'completed' ? answer : null;
    });
    // Recorded from the stream by the worker that held the lock, crediting the run that answered.
    expect(status.workerId).toBe('stalling');
    await waitFor('the first run done', () =>
      /answered; its new lock holder records/.test(grid.workers.get('stalling')?.logs ?? ''),
    );
  }, 60_000);
});
