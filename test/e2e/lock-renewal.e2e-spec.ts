import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { TROUBLE_IN_LOGS } from '../support/worker-watch';

const MODEL = 'quick:latest';
const CLIENTS = 8;
const LOAD_MS = 12_000;

/**
 * Lock renewals racing the runs they renew. A run's final line gives its owner key up in the same script
 * that stores it, while the worker's renewal of that key goes on another connection: a renewal Redis runs
 * just after the final line answers "not yours", and that answer can be read before the final line's own.
 * Taken for a lost job, it stopped runs whose answers were stored (about 1 in 600 quick jobs with 250 ms
 * renewals), logged "another run owns it" and counted a failure. Short locks and many quick jobs make the
 * race frequent here.
 */
describe('Lock renewals beside quick jobs', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    fixture = await grid.startFixture({
      models: [{ name: MODEL }],
      tokensPerAnswer: 2,
      tokenDelayMs: 0,
      numParallel: CLIENTS,
    });
    await grid.startWorker('quick', fixture, {
      MAX_CONCURRENT_TASKS: String(CLIENTS),
      JOB_LOCK_DURATION: '500',
    });
  });

  afterAll(() => grid.stop());

  it('never take a run that just stored its final line for one that lost its job', async () => {
    const until = Date.now() + LOAD_MS;
    const jobIds: string[] = [];
    const client = async (index: number) => {
      for (let n = 0; Date.now() < until; n++) {
        const body = { model: MODEL, prompt: `client ${index} job ${n}`, stream: false };
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, body);
        const answer = (await response.json()) as { response?: string };
        expect(response.status).toBe(200);
        expect(answer.response).toBe(fixture.expectedTokens('generate', body).join(''));
        jobIds.push(response.headers.get('x-gridllm-job-id') ?? '');
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));

    process.stdout.write(`lock renewals beside ${jobIds.length} quick jobs in ${LOAD_MS} ms\n`);
    // Enough jobs ended between renewals for the race to come up (before the fix: about 15 times a run).
    expect(jobIds.length).toBeGreaterThan(1_000);
    expect(jobIds.filter((jobId) => fixture.engineCallsFor(jobId) !== 1)).toEqual([]);
    expect(grid.workers.get('quick')?.logs).not.toMatch(TROUBLE_IN_LOGS);
  }, 60_000);
});
