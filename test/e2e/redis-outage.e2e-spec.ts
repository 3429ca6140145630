import { TestGrid, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

describe('Redis outage', () => {
  const grid = new TestGrid();

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    const fixture = await grid.startFixture({
      tokenDelayMs: 100,
      tokensPerAnswer: 40,
      models: [{ name: 'ro:latest' }],
    });
    await grid.startWorker('ro-worker', fixture, { MAX_CONCURRENT_TASKS: '1' });
  });

  afterAll(() => grid.stop());

  it('answers 503 within a second, ends open streams with an error line, and recovers with the queue intact', async () => {
    const open = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'ro', prompt: 'long answer' });
    const queued = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'ro',
      prompt: 'survives the outage',
      async: true,
    });
    const { id } = (await queued.json()) as { id: string };
    const lines = readNdjson(open);

    await grid.redis.shutdownKeepingData();
    const startedAt = Date.now();
    const refused = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'ro',
      prompt: 'during the outage',
      stream: false,
    });
    expect(refused.status).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(((await refused.json()) as { error: string }).error).toMatch(/Redis/);

    const streamed = (await lines).map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    expect(streamed[streamed.length - 1].error).toMatch(/Redis/);
    expect(streamed.filter((line) => line.done === true)).toHaveLength(0);

    await grid.redis.start();
    await waitFor(
      'grid serving again',
      async () =>
        (
          await postJson(`${grid.gatewayUrl}/api/generate`, {
            model: 'ro',
            prompt: 'after',
            stream: false,
            options: { num_predict: 2 },
          })
        ).status === 200,
      30000,
      500,
    );
    await waitFor(
      'the job queued before the outage completes',
      async () =>
        ((await (await fetch(`${grid.gatewayUrl}/inference/${id}/status`)).json()) as { state: string })
          .state === 'completed',
      30000,
      250,
    );
  });
});
