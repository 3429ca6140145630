import { ChildProcess, spawn } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { writeDemoModel } from '../../scripts/gguf/demo-model';
import { TestGrid, postJson } from '../support/test-grid';
import { HeartbeatWatch, TROUBLE_IN_LOGS } from '../support/worker-watch';

const DEMO = 'gridllm-demo:tiny';

/** Busy loops, one more than the machine has cores, so every process waits for its time slice. */
function saturateCpu(): ChildProcess[] {
  return Array.from({ length: cpus().length + 1 }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * The first job on an embedded worker loads llama.cpp and the model (cold). On a machine whose CPU is
 * saturated that takes long; the job's 2 s lock must still be renewed throughout, and the job run once.
 */
describe('A cold model load on a saturated machine', () => {
  const grid = new TestGrid();
  const modelsDir = mkdtempSync(join(tmpdir(), 'gridllm-cold-'));
  writeDemoModel(join(modelsDir, 'gridllm-demo-tiny.gguf'));
  let busy: ChildProcess[] = [];

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    await grid.startWorker('embedded', 'http://127.0.0.1:1', {
      ENGINE: 'llamacpp',
      MODELS_DIR: modelsDir,
      LLAMA_GPU: 'off',
      LLAMA_THREADS: '1',
      MAX_CONCURRENT_TASKS: '2',
      JOB_LOCK_DURATION: '2000',
    });
  });

  afterAll(async () => {
    await stopAll(busy);
    await grid.stop();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('keeps the job’s lock through the load and runs the job exactly once', async () => {
    busy = saturateCpu();
    const heartbeats = new HeartbeatWatch(grid, 'embedded');
    const started = Date.now();
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: DEMO,
      prompt: 'Once upon a time',
      stream: false,
      options: { num_predict: 16, seed: 3 },
    });
    const answer = (await response.json()) as { done?: boolean; eval_count?: number };
    const tookMs = Date.now() - started;
    const lapses = await heartbeats.stop();
    await stopAll(busy);

    const jobId = response.headers.get('x-gridllm-job-id') ?? '';
    const redis = grid.redis.client();
    const [attemptsStarted, stalled] = await redis.hmget(
      `gridllm:${encodeURIComponent(DEMO)}:${jobId}`,
      'ats',
      'stc',
    );
    const attempts = new Set(
      (await redis.xrange(`gridllm:job-stream:${jobId}`, '-', '+')).map(([id]) => id.split('-')[0]),
    );
    redis.disconnect();
    process.stdout.write(
      `cold load + 16 tokens under a saturated CPU: ${tookMs} ms, lapses ${lapses.length}\n`,
    );

    expect(response.status).toBe(200);
    expect(answer.done).toBe(true);
    expect(answer.eval_count).toBeGreaterThan(0);
    expect(attemptsStarted).toBe('1');
    expect(stalled ?? '0').toBe('0');
    expect([...attempts]).toEqual(['1']);
    expect(lapses).toEqual([]);
    expect(grid.workers.get('embedded')?.logs).not.toMatch(TROUBLE_IN_LOGS);
  }, 120_000);
});
