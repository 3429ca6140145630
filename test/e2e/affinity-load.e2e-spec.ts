import { Placed, settledChatTurn, workerRow } from '../support/settled-turn';
import { TestGrid } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MODEL = 'afl:latest';

/** Prefix affinity weighs the preferred worker's load (docs/scheduling.md, "Affinity"), over two workers. */
describe('Affinity: a busy worker is preferred only for a prefix worth its busy slots', () => {
  const grid = new TestGrid();

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    for (const id of ['afl-1', 'afl-2']) {
      const fixture = await grid.startFixture({
        tokenDelayMs: 5,
        tokensPerAnswer: 2000,
        models: [{ name: MODEL }],
        loaded: [MODEL],
      });
      await grid.startWorker(id, fixture, { MAX_CONCURRENT_TASKS: '2' });
    }
  });

  afterAll(() => grid.stop());

  const chat = (messages: object[]): Promise<Placed> =>
    settledChatTurn(grid.gatewayUrl, { model: 'afl', messages, options: { num_predict: 2 } });

  const turn = (history: object[], content: string) => [
    ...history,
    { role: 'assistant', content: 'an answer' },
    { role: 'user', content },
  ];

  it('prefers an idle worker for its conversation; once busy, only for the conversation that saves more than a busy slot costs', async () => {
    // About 500 characters of its own: less than one busy slot is worth (1,024).
    const short0 = [
      { role: 'system', content: `Short chat. ${'Tides rise and fall. '.repeat(22)}` },
      { role: 'user', content: 'q0' },
    ];
    const first = await chat(short0);
    const short1 = turn(short0, 'q1');
    expect(await chat(short1)).toEqual({
      worker: first.worker,
      placement: expect.stringMatching(/^prefix; /),
    });
    // The same conversation with a 4,000-character document: its worker alone served all of it.
    const long0 = turn(short1, `Please read: ${'The harbour log of the day. '.repeat(150)}`);
    expect(await chat(long0)).toEqual({
      worker: first.worker,
      placement: expect.stringMatching(/^prefix; /),
    });

    // Another chat that worker served: it will keep one of its two slots busy with a long answer.
    let other: object[] = [];
    for (let n = 0; n < 20 && other.length === 0; n++) {
      const candidate = [{ role: 'system', content: `Other chat ${n}. ${'Ships come and go. '.repeat(60)}` }];
      if ((await chat(candidate)).worker === first.worker) other = candidate;
    }
    expect(other).not.toHaveLength(0);
    const busy = new AbortController();
    const running = fetch(`${grid.gatewayUrl}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'afl', stream: true, messages: turn(other, 'write an essay') }),
      signal: busy.signal,
    });
    try {
      const started = await running;
      expect(started.headers.get('x-gridllm-worker')).toBe(first.worker);
      await waitFor(
        'the busy slot in a heartbeat',
        async () => (await workerRow(grid.gatewayUrl, first.worker!))?.runningJobs === 1,
      );

      const long1 = await chat(turn(long0, 'and the next page?'));
      expect(long1).toEqual({
        worker: first.worker,
        placement: expect.stringMatching(/^prefix; chars=\d+$/),
      });
      expect(Number(long1.placement?.split('=')[1])).toBeGreaterThanOrEqual(4096);
      // Last: a branch of the conversation that the order sends to that worker takes the conversation's
      // slot there (the engine reuses its oldest slot), and the long document's cache with it.
      const short2 = await chat(turn(short1, 'q2'));
      expect(short2.placement).toBe('order');
    } finally {
      busy.abort();
    }
  });
});
