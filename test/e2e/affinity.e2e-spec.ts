import { AppProcess } from '../support/app-process';
import { TestGrid, postJson } from '../support/test-grid';

const MODEL = 'af:latest';
const WORKERS = ['af-1', 'af-2', 'af-3'];

/** Sticky sessions and prefix affinity across two gateways, over three equally warm workers. */
describe('Affinity: sessions and prompt prefixes stay on their worker, across gateways', () => {
  const grid = new TestGrid();
  let other: AppProcess;
  let gateways: string[];

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    other = await new AppProcess('gateway', grid.redisEnv()).start();
    gateways = [grid.gatewayUrl, await other.url];
    for (const id of WORKERS) {
      const fixture = await grid.startFixture({
        tokenDelayMs: 5,
        models: [{ name: MODEL }],
        loaded: [MODEL],
      });
      await grid.startWorker(id, fixture, { MAX_CONCURRENT_TASKS: '2' });
    }
  });

  afterAll(async () => {
    await other.stop('SIGKILL');
    await grid.stop();
  });

  /** Sends `body` to `path` through gateway `n % 2`; returns the worker and the placement header. */
  async function send(n: number, path: string, body: object, headers: Record<string, string> = {}) {
    const response = await postJson(`${gateways[n % 2]}${path}`, body, {
      headers: { 'Content-Type': 'application/json', ...headers },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    return {
      body: text,
      worker: response.headers.get('x-gridllm-worker'),
      placement: response.headers.get('x-gridllm-placement'),
    };
  }

  const generate = { model: 'af', stream: false };

  it('keeps an x-gridllm-session on one worker for every request, whichever gateway receives it', async () => {
    const placed = [];
    for (let n = 0; n < 8; n++)
      placed.push(
        await send(n, '/api/generate', { ...generate, prompt: `turn ${n}` }, { 'x-gridllm-session': 's-1' }),
      );
    expect(new Set(placed.map((p) => p.worker)).size).toBe(1);
    expect(placed.slice(1).map((p) => p.placement)).toEqual(Array(7).fill('session'));
  });

  it('takes the session from OpenAI’s `user` field and the native API’s `session` field', async () => {
    const chat = (n: number) =>
      send(n, '/v1/chat/completions', {
        model: 'af',
        user: 'end-user-7',
        messages: [{ role: 'user', content: `q${n}` }],
      });
    const native = (n: number) =>
      send(n, '/inference', { model: 'af', prompt: `p${n}`, session: 'native-9' });
    const openai = [];
    const natives = [];
    for (let n = 0; n < 6; n++) {
      openai.push((await chat(n)).worker);
      natives.push((await native(n)).worker);
    }
    expect(new Set(openai).size).toBe(1);
    expect(new Set(natives).size).toBe(1);

    const { body } = await native(6);
    const { id } = JSON.parse(body) as { id: string };
    const status = (await (await fetch(`${gateways[1]}/inference/${id}/status`)).json()) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({
      workerId: natives[0],
      placement: 'session',
      preferred: { workerId: natives[0], reason: 'session' },
    });
  });

  it('sends a conversation’s next turn to the worker that served its earlier turns, and says so', async () => {
    const conversations = Array.from({ length: 4 }, (_, c) => [
      { role: 'system', content: `Conversation ${c}. ${'You know many facts about the sea. '.repeat(40)}` },
    ]);
    const first = new Map<number, string | null>();
    const followUps: Array<{ worker: string | null; placement: string | null; c: number }> = [];
    for (let turn = 0; turn < 3; turn++) {
      for (const [c, messages] of conversations.entries()) {
        messages.push({ role: 'user', content: `question ${turn}` });
        const placed = await send(turn + c, '/api/chat', { model: 'af', stream: false, messages });
        messages.push({ role: 'assistant', content: 'an answer' });
        if (turn === 0) first.set(c, placed.worker);
        else followUps.push({ ...placed, c });
      }
    }
    for (const followUp of followUps) {
      expect(followUp.worker).toBe(first.get(followUp.c));
      expect(followUp.placement).toMatch(/^prefix; chars=\d+$/);
      expect(Number(followUp.placement?.split('=')[1])).toBeGreaterThanOrEqual(1024);
    }
  });

  it('counts prefix hits and misses per model', async () => {
    const text = await (await fetch(`${grid.gatewayUrl}/metrics`)).text();
    const count = (outcome: string) =>
      Number(
        new RegExp(`gridllm_prefix_affinity_total\\{model="${MODEL}",outcome="${outcome}"\\} (\\d+)`).exec(
          text,
        )?.[1] ?? 0,
      );
    expect(count('hit')).toBeGreaterThan(0);
    expect(count('miss')).toBeGreaterThan(0);
  });

  it('moves a session to another worker when its worker dies', async () => {
    const { worker } = await send(
      0,
      '/api/generate',
      { ...generate, prompt: 'before' },
      { 'x-gridllm-session': 's-9' },
    );
    await grid.workers.get(worker as string)?.stop('SIGKILL');
    const after = await send(
      1,
      '/api/generate',
      { ...generate, prompt: 'after' },
      { 'x-gridllm-session': 's-9' },
    );
    expect(after.worker).not.toBe(worker);
    expect(after.placement).toBe('order');
  });
});
