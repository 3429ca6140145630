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

  /** One warm worker (the model loaded) and one idle cold worker that pays LOAD_DELAY_MS for a load. */
  async function warmAndCold(model: string, warmAhead: 'true' | 'false'): Promise<OllamaFixture> {
    const models = [{ name: model }];
    const warm = await grid.startFixture({ tokensPerAnswer: 6, tokenDelayMs: 40, models, loaded: [model] });
    const cold = await grid.startFixture({
      tokensPerAnswer: 6,
      tokenDelayMs: 40,
      models,
      loadDelayMs: LOAD_DELAY_MS,
    });
    const env = { MAX_CONCURRENT_TASKS: '2', WARM_AHEAD: warmAhead };
    await grid.startWorker(`${model}-warm`, warm, env);
    await waitFor(`${model} warm on its worker`, async () => {
      const response = await fetch(`${grid.gatewayUrl}/admin/workers/${model}-warm`);
      const worker = (await response.json()) as { loadedModels?: Array<{ name: string }> };
      return (worker.loadedModels?.length ?? 0) > 0;
    });
    await grid.startWorker(`${model}-cold`, cold, env);
    return cold;
  }

  function burst(model: string): Promise<number[]> {
    return Promise.all(
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
  }

  it('loads the model on an idle worker under queue pressure before it takes any job there', async () => {
    const cold = await warmAndCold('ahead:latest', 'true');

    expect(await burst('ahead:latest')).toEqual(Array(BURST).fill(200));
    const calls = generateCalls(cold);
    expect(calls[0]).toEqual({ load: true, job: false });
    expect(calls.slice(1).every((call) => call.job && !call.load)).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('takes a job into a cold load instead with WARM_AHEAD=false', async () => {
    const cold = await warmAndCold('behind:latest', 'false');

    expect(await burst('behind:latest')).toEqual(Array(BURST).fill(200));
    const calls = generateCalls(cold);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call) => call.job && !call.load)).toBe(true);
  });
});
