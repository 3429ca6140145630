import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MODEL = 'afl:latest';

interface Placed {
  worker: string | null;
  placement: string | null;
}

interface WorkerRow {
  id: string;
  runningJobs: number;
  lastHeartbeatAt: number;
}

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

  async function chat(messages: object[]): Promise<Placed> {
    const response = await postJson(`${grid.gatewayUrl}/api/chat`, {
      model: 'afl',
      stream: false,
      messages,
      options: { num_predict: 2 },
    });
    expect(response.status).toBe(200);
    await response.text();
    const placed = {
      worker: response.headers.get('x-gridllm-worker'),
      placement: response.headers.get('x-gridllm-placement'),
    };
    await endedAndSeen(response.headers.get('x-gridllm-job-id')!, placed.worker!);
    return placed;
  }

  /**
   * Waits as a user reading the answer would: a stream:false answer comes with the last chunk, before the
   * worker has finished the job, freed its slot and written the board, and the busy count preference
   * weighs comes from heartbeats. The next turn is sent once the job has ended and a heartbeat of its
   * worker came after that.
   */
  async function endedAndSeen(jobId: string, workerId: string): Promise<void> {
    await waitFor(`job ${jobId} to end`, async () => {
      const status = (await (await fetch(`${grid.gatewayUrl}/inference/${jobId}/status`)).json()) as {
        state: string;
      };
      return status.state === 'completed';
    });
    const ended = Date.now();
    await waitFor(`a heartbeat of ${workerId} after job ${jobId}`, async () => {
      const row = await workerRow(workerId);
      return row !== undefined && row.lastHeartbeatAt > ended;
    });
  }

  const turn = (history: object[], content: string) => [
    ...history,
    { role: 'assistant', content: 'an answer' },
    { role: 'user', content },
  ];

  async function workerRow(workerId: string): Promise<WorkerRow | undefined> {
    const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as WorkerRow[];
    return workers.find((worker) => worker.id === workerId);
  }

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
    // The user reads for a while: the heartbeat that counts the busy slot is not the one that may have
    // counted this conversation's own last turn (see busySlots).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
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
        async () => (await workerRow(first.worker!))?.runningJobs === 1,
      );

      const short2 = await chat(turn(short1, 'q2'));
      expect(short2.placement).toBe('order');
      const long1 = await chat(turn(long0, 'and the next page?'));
      expect(long1).toEqual({
        worker: first.worker,
        placement: expect.stringMatching(/^prefix; chars=\d+$/),
      });
      expect(Number(long1.placement?.split('=')[1])).toBeGreaterThanOrEqual(4096);
    } finally {
      busy.abort();
    }
  });
});
