import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

/** Long beats, so anything faster than a beat is the worker publishing on its own. */
const BEAT_MS = 4000;

describe('/api/ps between heartbeats', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  const ps = async () => {
    const body = (await (await fetch(`${grid.gatewayUrl}/api/ps`)).json()) as {
      models: Array<{ name: string }>;
    };
    return body.models.map((model) => model.name);
  };
  const generate = (body: Record<string, unknown>) =>
    postJson(`${grid.gatewayUrl}/api/generate`, { model: 'llama3.2', stream: false, ...body });

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }, { name: 'qwen3:latest' }] });
    const beat = { WORKER_HEARTBEAT_INTERVAL: String(BEAT_MS), MODEL_REFRESH_INTERVAL: '60000' };
    await grid.startGateway(beat);
    await grid.startWorker('worker-a', fixture, beat);
  });

  afterAll(() => grid.stop());

  it('lists a model the moment a request on it has finished', async () => {
    expect(await ps()).toEqual([]);
    expect((await generate({ prompt: 'Hi' })).status).toBe(200);
    expect(await ps()).toEqual(['llama3.2:latest']);
  });

  it('lists a model a streamed chat loaded once its last line has arrived', async () => {
    const response = await postJson(`${grid.gatewayUrl}/api/chat`, {
      model: 'qwen3',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    await response.text();
    expect(await ps()).toContain('qwen3:latest');
  });

  it('drops a model whose request asked keep_alive 0 well within a beat', async () => {
    expect((await generate({ model: 'qwen3' })).status).toBe(200);
    expect(await ps()).toContain('qwen3:latest');
    const started = Date.now();
    expect((await generate({ model: 'qwen3', prompt: 'Hi', keep_alive: 0 })).status).toBe(200);
    await waitFor('qwen3 gone from /api/ps', async () => !(await ps()).includes('qwen3:latest'), 2 * BEAT_MS);
    // The worker republishes when such a job ends; waiting for the beat would take up to BEAT_MS.
    expect(Date.now() - started).toBeLessThan(BEAT_MS / 2);
  });

  it('drops a model whose keep-alive expired within one beat of the expiry', async () => {
    expect((await generate({ prompt: 'Hi', keep_alive: '1s' })).status).toBe(200);
    const expiry = Date.now() + 1000;
    expect(await ps()).toContain('llama3.2:latest');
    await waitFor(
      'llama3.2 gone from /api/ps',
      async () => !(await ps()).includes('llama3.2:latest'),
      3 * BEAT_MS,
    );
    // One beat after the expiry, plus slack for a loaded machine (a missed beat would take two).
    expect(Date.now() - expiry).toBeLessThan(BEAT_MS + 1500);
  });
});
