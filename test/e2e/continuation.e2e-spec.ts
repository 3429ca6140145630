import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';

type Line = Record<string, unknown> & {
  response?: string;
  message?: { content: string };
  done?: boolean;
  error?: string;
  eval_count?: number;
  gridllm_resumed?: Record<string, unknown>;
};

const TOKENS = 30;
const ADMIN_KEY = 'continuation-admin-key-0123';

/** Opt-in continuation: kill -9 of the worker mid-stream; another worker goes on from the text so far. */
describe('Continuation of a broken stream', () => {
  const grid = new TestGrid();
  const fixtures = new Map<string, OllamaFixture>();
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
  let started = 0;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway({ ADMIN_API_KEY: ADMIN_KEY });
  });

  // Two live workers hold the model before each test: one to break, one to continue.
  beforeEach(async () => {
    const live = () => [...fixtures.keys()].filter((id) => grid.workers.get(id)?.exited === false);
    while (live().length < 2) {
      const id = `cont-${started++}`;
      const fixture = await grid.startFixture({
        tokenDelayMs: 100,
        tokensPerAnswer: TOKENS,
        models: [{ name: 'cont:latest' }],
      });
      fixtures.set(id, fixture);
      await grid.startWorker(id, fixture, { MAX_CONCURRENT_TASKS: '2' });
    }
  });

  afterAll(() => grid.stop());

  /** Streams a request, kills its worker with SIGKILL after `breakAfter` lines, returns every line. */
  async function streamAndKill(
    path: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = { ...admin, 'x-gridllm-continue': 'true' },
  ) {
    const breakAfter = 4;
    const response = await postJson(`${grid.gatewayUrl}${path}`, body, {
      headers: { 'Content-Type': 'application/json', ...headers },
    });
    const first = response.headers.get('x-gridllm-worker') ?? '';
    const lines: Line[] = [];
    const decoder = new TextDecoder();
    let pending = '';
    let killed = false;
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(bytes, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        lines.push(JSON.parse(pending.slice(0, newline)) as Line);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      if (!killed && lines.length >= breakAfter) {
        killed = true;
        await grid.workers.get(first)?.stop('SIGKILL');
      }
    }
    return { first, lines, killed };
  }

  function expectOneUninterruptedAnswer(lines: Line[], text: string, expected: string, first: string) {
    expect(lines.filter((line) => line.error !== undefined)).toEqual([]);
    expect(lines.filter((line) => line.done === true)).toHaveLength(1);
    expect(lines[lines.length - 1].done).toBe(true);
    expect(text).toBe(expected);
    const final = lines[lines.length - 1];
    expect(final.eval_count).toBe(TOKENS);
    expect(final.gridllm_resumed).toEqual({
      from_worker: first,
      by_worker: expect.not.stringMatching(new RegExp(`^${first}$`)),
      after_chunks: expect.any(Number),
      after_chars: expect.any(Number),
    });
    const after = final.gridllm_resumed?.after_chars as number;
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(expected.length);
  }

  it('continues a generate on another worker: the whole text equals one uninterrupted answer', async () => {
    const prompt = 'why is the sky blue today';
    const { first, lines, killed } = await streamAndKill('/api/generate', { model: 'cont', prompt });
    expect(killed).toBe(true);

    const text = lines.map((line) => line.response ?? '').join('');
    const expected = fixtures.get(first)?.expectedTokens('generate', { prompt }).join('') ?? '';
    expectOneUninterruptedAnswer(lines, text, expected, first);
    // The continuing worker got the first worker's text as a partial assistant message.
    const by = String(lines[lines.length - 1].gridllm_resumed?.by_worker);
    const continued = fixtures.get(by)?.requests.find((request) => request.path === '/api/chat');
    const messages = (continued?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(expected.startsWith(messages[1].content)).toBe(true);
  });

  it('continues a chat with the text so far as a partial assistant message', async () => {
    const messages = [{ role: 'user', content: 'count some words for me please' }];
    const { first, lines, killed } = await streamAndKill('/api/chat', { model: 'cont', messages });
    expect(killed).toBe(true);

    const text = lines.map((line) => line.message?.content ?? '').join('');
    const expected = fixtures.get(first)?.expectedTokens('chat', { messages }).join('') ?? '';
    expectOneUninterruptedAnswer(lines, text, expected, first);
  });

  it('continues without the header for a key created with continueStreams', async () => {
    const created = await postJson(
      `${grid.gatewayUrl}/admin/keys`,
      { name: 'continuing', continueStreams: true },
      { headers: { 'Content-Type': 'application/json', ...admin } },
    );
    const { key, continueStreams } = (await created.json()) as { key: string; continueStreams: boolean };
    expect(continueStreams).toBe(true);
    const prompt = 'the key decides';
    const { first, lines } = await streamAndKill(
      '/api/generate',
      { model: 'cont', prompt },
      {
        Authorization: `Bearer ${key}`,
      },
    );
    const text = lines.map((line) => line.response ?? '').join('');
    expectOneUninterruptedAnswer(
      lines,
      text,
      fixtures.get(first)?.expectedTokens('generate', { prompt }).join('') ?? '',
      first,
    );
  });

  it('answers stream:false with the whole answer, resumed', async () => {
    const prompt = 'a whole answer at once';
    const since = Date.now();
    const pending = postJson(
      `${grid.gatewayUrl}/api/generate`,
      { model: 'cont', prompt, stream: false },
      { headers: { 'Content-Type': 'application/json', ...admin, 'x-gridllm-continue': 'true' } },
    );
    // Kill whichever live worker is running it once it has streamed a few tokens.
    let victim = '';
    while (!victim && Date.now() - since < 10000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const [id, fixture] of fixtures) {
        if (grid.workers.get(id)?.exited === false && fixture.inFlight > 0 && Date.now() - since > 600)
          victim = id;
      }
    }
    await grid.workers.get(victim)?.stop('SIGKILL');
    const body = (await (await pending).json()) as Line;

    expect(body.response).toBe(fixtures.get(victim)?.expectedTokens('generate', { prompt }).join(''));
    expect(body.eval_count).toBe(TOKENS);
    expect(body.gridllm_resumed).toMatchObject({ from_worker: victim });
  });
});
