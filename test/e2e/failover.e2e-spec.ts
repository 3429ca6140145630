import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

interface Outcome {
  prompt: string;
  lines: Array<Record<string, unknown>>;
  /** When the last line arrived (epoch ms). */
  endedAt: number;
}

/** kill -9 of a worker with streams in flight and jobs queued: nothing lost, nothing duplicated. */
describe('Worker death', () => {
  const grid = new TestGrid();
  let fixtures: OllamaFixture[];

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    fixtures = [];
    for (const id of ['doomed', 'survivor']) {
      const fixture = await grid.startFixture({
        tokenDelayMs: 120,
        numParallel: 8,
        models: [{ name: 'fo:latest' }],
      });
      fixtures.push(fixture);
      await grid.startWorker(id, fixture, { MAX_CONCURRENT_TASKS: '5' });
    }
  });

  afterAll(() => grid.stop());

  async function stream(prompt: string, started: Set<string>): Promise<Outcome> {
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'fo', prompt });
    started.add(prompt);
    const raw = await readNdjson(response);
    const lines = raw.map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    return { prompt, lines, endedAt: raw[raw.length - 1]?.at ?? Date.now() };
  }

  it('completes every job with exactly the engine’s text, or ends a stream that had started with one error line', async () => {
    const started = new Set<string>();
    const prompts = Array.from({ length: 60 }, (_, n) => `job number ${n}`);
    const outcomes = Promise.all(prompts.map((prompt) => stream(prompt, started)));

    await waitFor('streams running on both workers and a queue behind them', async () => {
      const queue = (await (await fetch(`${grid.gatewayUrl}/inference/queue`)).json()) as {
        queuedJobs: number;
      };
      return fixtures[0].inFlight >= 5 && started.size >= 10 && queue.queuedJobs >= 10;
    });
    const killedAt = Date.now();
    await grid.workers.get('doomed')?.stop('SIGKILL');

    const results = await outcomes;
    const expected = (prompt: string) => fixtures[1].expectedTokens('generate', { prompt }).join('');
    const completed = results.filter((r) => {
      const done = r.lines.filter((line) => line.done === true);
      const text = r.lines.map((line) => (typeof line.response === 'string' ? line.response : '')).join('');
      return done.length === 1 && r.lines[r.lines.length - 1].done === true && text === expected(r.prompt);
    });
    const failedMidStream = results.filter((r) => {
      const last = r.lines[r.lines.length - 1];
      const chunksBefore = r.lines.slice(0, -1).filter((line) => typeof line.response === 'string').length;
      return (
        last.error === 'worker doomed failed mid-stream' &&
        chunksBefore > 0 &&
        !r.lines.some((l) => l.done === true)
      );
    });

    // Failover time: from the kill to the error line of each stream that was running on the dead worker
    // (its BullMQ lock of 2 s expires, another worker's stalled-job check re-queues the job, the relay sees
    // the new attempt). Reported for docs/scheduling.md; bounded here so a regression fails the test.
    const failover = failedMidStream.map((r) => r.endedAt - killedAt).sort((a, b) => a - b);
    process.stdout.write(`failover after kill -9: ${failover.join(', ')} ms\n`);
    expect(Math.max(...failover)).toBeLessThan(6000);
    expect(completed.length + failedMidStream.length).toBe(60);
    expect(failedMidStream.length).toBeGreaterThanOrEqual(5);
    expect(completed.length).toBeGreaterThanOrEqual(40);
    // Jobs that were still queued or had not emitted ran again on the survivor, transparently.
    expect(fixtures[1].completed).toBe(completed.length);
  });

  it('hands a job back when its engine refuses connections, serves it elsewhere, and stops sending to that worker', async () => {
    const engine = await grid.startFixture({ models: [{ name: 'cb:latest' }] });
    const healthy = await grid.startFixture({ models: [{ name: 'cb:latest' }] });
    await grid.startWorker('broken-engine', engine, { MAX_CONCURRENT_TASKS: '2' });
    await grid.startWorker('healthy-engine', healthy, { MAX_CONCURRENT_TASKS: '2' });
    await engine.stop();

    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        postJson(`${grid.gatewayUrl}/api/generate`, { model: 'cb', prompt: `retry ${n}`, stream: false }),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual(Array(6).fill(200));
    expect(new Set(responses.map((response) => response.headers.get('x-gridllm-worker')))).toEqual(
      new Set(['healthy-engine']),
    );
    expect(healthy.completed).toBe(6);
    await grid.waitForWorker('broken-engine', 'not-ready');
    // The broken worker did take jobs and handed them back (6 jobs, 2 slots on the healthy one).
    expect(grid.workers.get('broken-engine')?.logs).toMatch(/engine unreachable .*handed back/);
  });
});

/**
 * A job that takes down every worker that runs it (a prompt that exhausts the machine, an engine crash it
 * triggers). BullMQ's stalled checker puts it back after each death and marks it for failure once it was
 * found stalled more than three times: the next worker must fail it, not run it and die in turn.
 */
describe('A job whose workers keep dying', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    // 40 tokens 100 ms apart: each run is still going when its worker is killed.
    fixture = await grid.startFixture({
      tokenDelayMs: 100,
      tokensPerAnswer: 40,
      models: [{ name: 'deadly:latest' }],
    });
  });

  afterAll(() => grid.stop());

  const generates = () => fixture.requests.filter((request) => request.path === '/api/generate').length;
  const status = async (id: string) =>
    (await (await fetch(`${grid.gatewayUrl}/inference/${id}/status`)).json()) as {
      state?: string;
      error?: string;
    };

  it('fails it after its fourth interrupted run, without running it a fifth time', async () => {
    await grid.startWorker('victim-1', fixture);
    const accepted = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'deadly',
      prompt: 'x',
      async: true,
    });
    const { id } = (await accepted.json()) as { id: string };
    for (let run = 1; run <= 4; run++) {
      await waitFor(`run ${run} on the engine`, () => generates() === run && fixture.inFlight === 1, 20_000);
      await grid.workers.get(`victim-${run}`)?.stop('SIGKILL');
      // The next worker finds the job stalled (its lock lapsed) and takes it again, or fails it.
      await grid.startWorker(run < 4 ? `victim-${run + 1}` : 'survivor', fixture);
    }

    await waitFor('the job failed', async () => (await status(id)).state === 'failed', 20_000);
    expect((await status(id)).error).toBe(
      'the job was interrupted 4 times (the worker running it stopped each time); it is not run again',
    );
    expect(generates()).toBe(4);
  });
});
