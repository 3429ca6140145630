import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MODEL = 'bye:latest';
const SHUTDOWN_LINE = { error: 'gateway shutting down; retry the request' };

/** One gateway's SIGTERM, seen from its clients: not-ready first, then finish or end every request. */
describe('Gateway shutdown', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    fixture = await grid.startFixture({
      tokenDelayMs: 25,
      tokensPerAnswer: 2000,
      numParallel: 8,
      models: [{ name: MODEL }],
    });
    await grid.startWorker('w', fixture, { MAX_CONCURRENT_TASKS: '8' });
  });

  afterAll(() => grid.stop());

  async function gateway(env: Record<string, string>): Promise<{ app: AppProcess; url: string }> {
    const app = await new AppProcess('gateway', { ...grid.redisEnv(), ...env }).start();
    return { app, url: await app.url };
  }

  /** SIGTERM; resolves with the exit code and how long the exit took. */
  async function terminate(app: AppProcess): Promise<{ code: number | null; ms: number }> {
    const startedAt = Date.now();
    const code = await app.stop('SIGTERM');
    return { code, ms: Date.now() - startedAt };
  }

  it('answers /health/ready 503 with Connection: close while it still serves, then finishes in-flight streams and exits', async () => {
    const { app, url } = await gateway({ SHUTDOWN_DRAIN_DELAY: '1500', SHUTDOWN_GRACE_PERIOD: '20000' });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const options = { num_predict: 100 };
    const expected = fixture.expectedTokens('generate', { prompt: 'finish me', options }).join('');
    const stream = postJson(`${url}/api/generate`, { model: MODEL, prompt: 'finish me', options });
    await waitFor('stream running', () => fixture.inFlight === 1);

    const exit = terminate(app);
    const ready = await waitFor('not ready', async () => {
      const answer = await fetch(`${url}/health/ready`);
      return answer.status === 503 && answer;
    });
    expect(ready.headers.get('connection')).toBe('close');
    expect(((await ready.json()) as { error: Record<string, unknown> }).error).toHaveProperty('shutdown');
    // Still serving during the drain delay: a balancer that has not noticed yet loses nothing.
    const late = await fetch(`${url}/api/version`);
    expect(late.status).toBe(200);
    expect(late.headers.get('connection')).toBe('close');

    const lines = (await (await stream).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { response?: string; done?: boolean });
    expect(lines.map((line) => line.response ?? '').join('')).toBe(expected);
    expect(lines.at(-1)).toMatchObject({ done: true });
    const { code, ms } = await exit;
    console.log(`drained gateway exited ${ms} ms after SIGTERM (drain delay 1500 ms, one 2.5 s stream)`);
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(1500);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });

  it('ends what is still open at the end of the grace period with each family’s error, and cancels those jobs', async () => {
    const { app, url } = await gateway({ SHUTDOWN_DRAIN_DELAY: '300', SHUTDOWN_GRACE_PERIOD: '1000' });
    const messages = [{ role: 'user', content: 'a long one' }];
    const ollama = postJson(`${url}/api/chat`, { model: MODEL, messages });
    const openai = postJson(`${url}/v1/chat/completions`, { model: MODEL, messages, stream: true });
    const native = postJson(`${url}/inference`, { model: MODEL, prompt: 'a long one', stream: true });
    const whole = postJson(`${url}/api/generate`, { model: MODEL, prompt: 'a long one', stream: false });
    await waitFor('four jobs running', () => fixture.inFlight === 4);
    const abortedBefore = fixture.aborted;

    const { code, ms } = await terminate(app);
    console.log(`gateway with 4 open requests exited ${ms} ms after SIGTERM (grace period 1000 ms)`);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(300 + 1000 + 5000);

    const ndjson = (await (await ollama).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(ndjson.at(-1)).toEqual(SHUTDOWN_LINE);
    expect(ndjson.filter((line) => (line as { error?: string }).error !== undefined)).toHaveLength(1);
    const nativeLines = (await (await native).text()).trim().split('\n');
    expect(JSON.parse(nativeLines.at(-1) ?? '')).toEqual(SHUTDOWN_LINE);
    const events = (await (await openai).text()).trim().split('\n\n');
    expect(events).not.toContain('data: [DONE]');
    expect(JSON.parse(events.at(-1)?.slice('data: '.length) ?? '')).toEqual({
      error: { message: SHUTDOWN_LINE.error, type: 'api_error', param: null, code: null },
    });
    const wholeAnswer = await whole;
    expect(wholeAnswer.status).toBe(503);
    expect(await wholeAnswer.json()).toEqual(SHUTDOWN_LINE);
    await waitFor(
      'engine requests aborted',
      () => fixture.inFlight === 0 && fixture.aborted - abortedBefore === 4,
    );
  });

  it('exits at once when nothing probed its readiness and nothing is in flight, kept-alive connections or not', async () => {
    const { app, url } = await gateway({});
    // fetch keeps these connections alive; a server that waits for their keep-alive timeout exits 5 s late.
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        postJson(`${url}/api/generate`, {
          model: MODEL,
          prompt: 'hi',
          stream: false,
          options: { num_predict: 2 },
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await Promise.all(answers.map((answer) => answer.text()));

    const { code, ms } = await terminate(app);
    console.log(`idle gateway exited ${ms} ms after SIGTERM`);
    expect(code).toBe(0);
    // The default drain delay (5000 ms) applies only when something polls /health/ready.
    expect(ms).toBeLessThan(2500);
  });
});
