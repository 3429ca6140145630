import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const LOAD_DELAY_MS = 1500;
const BURST = 16;

/** The fixture's generate calls for the model, in arrival order: a load has an empty prompt and no job id. */
function generateCalls(fixture: OllamaFixture): Array<{ load: boolean; job: boolean }> {
  return fixture.requests
    .filter((request) => request.path === '/api/generate')
    .map((request) => ({
      load: (request.body as { prompt?: string }).prompt === '',
      job: request.headers['x-gridllm-job-id'] !== undefined,
    }));
}

describe('Warm ahead of demand', () => {
  const grid = new TestGrid();

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
  });

  afterAll(() => grid.stop());

  /**
   * One warm worker (the model loaded) and a cold fixture that pays LOAD_DELAY_MS for a load; `joinCold`
   * starts the cold worker in front of it.
   */
  async function warmAndCold(model: string, warmAhead: 'true' | 'false') {
    const models = [{ name: model }];
    const answer = { tokensPerAnswer: 12, tokenDelayMs: 80, models };
    const warm = await grid.startFixture({ ...answer, loaded: [model] });
    const cold = await grid.startFixture({ ...answer, loadDelayMs: LOAD_DELAY_MS });
    const env = { MAX_CONCURRENT_TASKS: '2', WARM_AHEAD: warmAhead };
    await grid.startWorker(`${model}-warm`, warm, env);
    await waitFor(`${model} warm on its worker`, async () => {
      const response = await fetch(`${grid.gatewayUrl}/admin/workers/${model}-warm`);
      const worker = (await response.json()) as { loadedModels?: Array<{ name: string }> };
      return (worker.loadedModels?.length ?? 0) > 0;
    });
    return { cold, joinCold: () => grid.startWorker(`${model}-cold`, cold, env) };
  }

  /** Waits until the warm worker runs two jobs and the rest of the burst waits in the queue. */
  const queued = () =>
    waitFor('the burst queued behind the warm worker', async () => {
      const response = await fetch(`${grid.gatewayUrl}/inference/queue`);
      const queue = (await response.json()) as { queuedJobs: number };
      return queue.queuedJobs >= BURST - 2;
    });

  /**
   * Sends a burst of BURST requests; once it waits in the queue the cold worker joins. Resolves, after every
   * request answered 200, to the cold fixture.
   */
  async function burstAsColdJoins(model: string, warmAhead: 'true' | 'false'): Promise<OllamaFixture> {
    const { cold, joinCold } = await warmAndCold(model, warmAhead);
    const statuses = Promise.all(
      Array.from({ length: BURST }, async (_, n) => {
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
          model,
          prompt: `p${n}`,
          stream: false,
        });
        await response.text();
        return response.status;
      }),
    );
    await queued();
    await joinCold();
    expect(await statuses).toEqual(Array(BURST).fill(200));
    return cold;
  }

  // The cold worker joins once the queue is deep: present from the start, it may see the burst's first
  // jobs arrive one by one and rightly take one while the queue is still shallow.
  it('loads the model on a worker that joins under queue pressure before it takes any job there', async () => {
    const cold = await burstAsColdJoins('ahead:latest', 'true');

    const calls = generateCalls(cold);
    expect(calls[0]).toEqual({ load: true, job: false });
    expect(calls.slice(1).every((call) => call.job && !call.load)).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('takes a job into a cold load instead with WARM_AHEAD=false', async () => {
    const cold = await burstAsColdJoins('behind:latest', 'false');

    const calls = generateCalls(cold);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call) => call.job && !call.load)).toBe(true);
  });
});
