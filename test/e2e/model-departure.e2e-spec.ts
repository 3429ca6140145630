import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

/** Far below the job deadline (DEFAULT_JOB_TIMEOUT, 5 minutes): a request still open then was stranded. */
const ANSWER_WITHIN_MS = 15_000;
/** How often a request for the departing model is sent while the worker notices and withdraws its claim. */
const EVERY_MS = 25;

/**
 * A model removed from a worker's engine behind its back (another client of the same Ollama deleted it).
 * The worker notices at its next model refresh and stops serving it, but its claim on the model lapses only
 * with the heartbeat after that: gateways admit jobs on the claim meanwhile. Each must still be answered
 * (the engine's 404, as Ollama gives it), none left queued until its deadline; once the claim has lapsed
 * the gateway refuses the model itself (503: its worker may be back soon).
 */
describe('A model that leaves a worker’s engine', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  const models = [{ name: 'stays:latest' }, { name: 'leaves:latest' }];

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    // 60 tokens 50 ms apart: a generation of `stays` holds the worker's one slot for about 3 s.
    fixture = await grid.startFixture({ models, tokensPerAnswer: 60, tokenDelayMs: 50 });
    await grid.startWorker('departure', fixture, { MODEL_REFRESH_INTERVAL: '500' });
  });

  afterAll(() => grid.stop());

  beforeEach(async () => {
    fixture.setModels(models);
    await waitFor('`leaves` served again', async () => (await generate('leaves')).status === 200, 20_000);
  });

  async function generate(model: string): Promise<{ status: number; error?: string }> {
    const response = await postJson(
      `${grid.gatewayUrl}/api/generate`,
      { model, prompt: 'hello', stream: false, options: { num_predict: 2 } },
      { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) },
    ).catch((error: Error) => {
      throw new Error(`no answer for ${model} within ${ANSWER_WITHIN_MS} ms: ${error.message}`);
    });
    const body = (await response.json()) as { error?: string };
    return { status: response.status, error: body.error };
  }

  /** Removes `leaves` from the engine, then asks for it every EVERY_MS until the gateway itself refuses it. */
  async function askWhileItLeaves(): Promise<Array<{ status: number; error?: string }>> {
    fixture.setModels([{ name: 'stays:latest' }]);
    const answers: Array<Promise<{ status: number; error?: string }>> = [];
    let refused = false;
    const deadline = Date.now() + 10_000;
    while (!refused && Date.now() < deadline) {
      answers.push(
        generate('leaves').then((answer) => {
          if (answer.status === 503) refused = true;
          return answer;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
    }
    return Promise.all(answers);
  }

  function expectAnsweredLikeOllama(answers: Array<{ status: number; error?: string }>): void {
    const statuses = new Set(answers.map((answer) => answer.status));
    expect([...statuses].sort()).toEqual([404, 503]);
    for (const { status, error } of answers) {
      if (status === 404) expect(error).toBe('model "leaves" not found, try pulling it first');
      else expect(error).toMatch(/^model "leaves" is temporarily unavailable/);
    }
  }

  it('answers every request admitted on the lapsing claim with the engine’s 404, none waits for its deadline', async () => {
    const answers = await askWhileItLeaves();
    expect(answers.length).toBeGreaterThan(10);
    expectAnsweredLikeOllama(answers);
  });

  it('runs them once a slot frees when the worker is busy meanwhile', async () => {
    const busy = postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'stays',
      prompt: 'long',
      stream: false,
    });
    await waitFor('the slot taken', () => fixture.inFlight === 1);
    const answers = await askWhileItLeaves();
    expect((await busy).status).toBe(200);
    // Those admitted while the slot was busy waited for it, then got the engine's answer.
    expectAnsweredLikeOllama(answers);
  });
});

/**
 * The same model lost by one of two workers: the other still serves it, so the first must not keep taking
 * its jobs (the queue never empties under load) only to fail them with its engine's 404.
 */
describe('A model that leaves one of two workers’ engines', () => {
  const grid = new TestGrid();
  let losing: OllamaFixture;
  let keeping: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    // Three tokens 50 ms apart: four clients keep jobs waiting behind the one slot that serves them.
    const options = {
      models: [{ name: 'shared:latest' }, { name: 'other:latest' }],
      tokensPerAnswer: 3,
      tokenDelayMs: 50,
    };
    losing = await grid.startFixture(options);
    keeping = await grid.startFixture(options);
    await grid.startWorker('losing', losing, { MODEL_REFRESH_INTERVAL: '500' });
    await grid.startWorker('keeping', keeping, { MODEL_REFRESH_INTERVAL: '500' });
  });

  afterAll(() => grid.stop());

  const generates = (fixture: OllamaFixture) =>
    fixture.requests.filter((request) => request.path === '/api/generate').length;

  async function losingListsIt(): Promise<boolean> {
    const response = await fetch(`${grid.gatewayUrl}/admin/workers`, { headers: grid.adminHeaders() });
    const workers = (await response.json()) as Array<{ id: string; models: Array<{ name: string }> }>;
    const row = workers.find((worker) => worker.id === 'losing');
    return row?.models.some((model) => model.name === 'shared:latest') ?? false;
  }

  it('leaves its jobs to the worker that still serves it, whose queue never empties', async () => {
    let running = true;
    const statuses: number[] = [];
    let counting = false;
    const client = async () => {
      while (running) {
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
          model: 'shared',
          prompt: 'hi',
          stream: false,
        });
        await response.arrayBuffer();
        if (counting) statuses.push(response.status);
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((resolve) => setTimeout(resolve, 500));
    losing.setModels([{ name: 'other:latest' }]);
    await waitFor('the losing worker no longer lists it', async () => !(await losingListsIt()));
    const askedBefore = generates(losing);
    const servedBefore = generates(keeping);
    counting = true;
    // Past the lapse of the losing worker's claim (3 heartbeats).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    running = false;
    await Promise.all(clients);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(generates(losing)).toBe(askedBefore);
    expect(generates(keeping) - servedBefore).toBeGreaterThan(10);
  });
});

/**
 * An engine that stops answering lists no models, but its models have not left it: the jobs admitted on
 * the worker's lapsing claim must wait in the queue (the worker takes none while its engine is away) and
 * run once the engine is back, none failed and none lost.
 */
describe('An engine that goes away and comes back', () => {
  const grid = new TestGrid();
  const models = [{ name: 'returns:latest' }];
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    fixture = await grid.startFixture({ models });
    await grid.startWorker('returning', fixture, { MODEL_REFRESH_INTERVAL: '500' });
  });

  afterAll(() => grid.stop());

  const generate = (prompt: string) =>
    postJson(
      `${grid.gatewayUrl}/api/generate`,
      { model: 'returns', prompt, stream: false },
      { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) },
    ).then(async (response) => ({ status: response.status, body: (await response.json()) as object }));

  it('keeps the jobs admitted meanwhile queued, and runs them once the engine is back', async () => {
    expect((await generate('before')).status).toBe(200);
    const port = Number(new URL(fixture.url).port);
    await fixture.stop();

    const answers: Array<ReturnType<typeof generate>> = [];
    let refused = false;
    const deadline = Date.now() + 10_000;
    while (!refused && Date.now() < deadline) {
      answers.push(
        generate(`meanwhile ${answers.length}`).then((answer) => {
          if (answer.status === 503) refused = true;
          return answer;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
    }
    expect(refused).toBe(true);
    const returned = await grid.startFixture({ models }, port);

    const settled = await Promise.all(answers);
    const admitted = settled.filter((answer) => answer.status !== 503);
    expect(admitted.length).toBeGreaterThan(0);
    for (const answer of admitted) expect(answer).toMatchObject({ status: 200, body: { done: true } });
    for (const answer of settled.filter((a) => a.status === 503))
      expect(answer.body).toEqual({
        error: expect.stringMatching(/^model "returns" is temporarily unavailable/),
      });
    expect(returned.completed).toBe(admitted.length);
  });
});
