import { Placed, settledChatTurn } from '../support/settled-turn';
import { TestGrid } from '../support/test-grid';

const MODEL = 'afe:latest';

/**
 * A worker's engine holds one prompt's cache per slot and gives its oldest up for a new conversation
 * (docs/scheduling.md, "Affinity"): the conversation it gave up is no longer sent back to it.
 */
describe('Affinity: a conversation whose cache its worker gave up is not sent back there', () => {
  const grid = new TestGrid();

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    for (const id of ['afe-1', 'afe-2']) {
      const fixture = await grid.startFixture({ models: [{ name: MODEL }], loaded: [MODEL] });
      await grid.startWorker(id, fixture, { MAX_CONCURRENT_TASKS: '1' });
    }
  });

  afterAll(() => grid.stop());

  const chat = (messages: object[]): Promise<Placed> =>
    settledChatTurn(grid.gatewayUrl, { model: 'afe', messages, options: { num_predict: 2 } });

  /** A conversation of its own: about 3,000 characters that no other shares. */
  const conversation = (name: string) => [
    { role: 'system', content: `${name}. ${`The log of ${name} goes on. `.repeat(100)}` },
    { role: 'user', content: 'q0' },
  ];
  const followUp = (history: object[]) => [
    ...history,
    { role: 'assistant', content: 'an answer' },
    { role: 'user', content: 'and then?' },
  ];

  it('sends the follow-up of a conversation its one-slot worker kept back there, and of one it gave up by the normal order', async () => {
    const kept = conversation('Kept chat');
    const first = await chat(kept);
    expect(await chat(followUp(kept))).toEqual({
      worker: first.worker,
      placement: expect.stringMatching(/^prefix; /),
    });

    // New conversations until one runs on the same worker: its only slot now holds that one instead.
    let other: object[] = [];
    for (let n = 0; n < 20 && other.length === 0; n++) {
      const candidate = conversation(`Other chat ${n}`);
      if ((await chat(candidate)).worker === first.worker) other = candidate;
    }
    expect(other).not.toHaveLength(0);

    expect((await chat(followUp(kept))).placement).toBe('order');
    expect(await chat(followUp(other))).toEqual({
      worker: first.worker,
      placement: expect.stringMatching(/^prefix; /),
    });
  });
});
