import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { freePort } from '../support/free-port';
import { TestGrid, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

describe('Worker lifecycle', () => {
  const grid = new TestGrid();

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
  });

  afterAll(() => grid.stop());

  it('keeps retrying an unreachable engine, shows not ready, and becomes ready when it answers', async () => {
    const port = await freePort();
    const worker = await grid.startWorker('late-engine', `http://127.0.0.1:${port}`, {
      EXPECT_NOT_READY: '1',
    });
    const healthUrl = `${await worker.url}/health`;

    await grid.waitForWorker('late-engine', 'not-ready');
    const down = await fetch(healthUrl);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { status: string }).status).toBe('not-ready');
    expect(worker.exited).toBe(false);

    const onPort = await grid.startFixture({ models: [{ name: 'late:latest' }] }, port);

    await grid.waitForWorker('late-engine', 'ready');
    expect((await fetch(healthUrl)).status).toBe(200);
    const answer = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'late',
      prompt: 'hello',
      stream: false,
    });
    expect(answer.status).toBe(200);
    expect(onPort.completed).toBe(1);
    await worker.stop();
  });

  it('finishes its running job on SIGTERM, then deregisters and exits cleanly', async () => {
    const fixture = await grid.startFixture({ tokenDelayMs: 60, models: [{ name: 'drain:latest' }] });
    const worker = await grid.startWorker('draining', fixture, { MAX_CONCURRENT_TASKS: '1' });

    const pending = postJson(`${grid.gatewayUrl}/api/generate`, { model: 'drain', prompt: 'finish me' });
    await waitFor('job running', () => fixture.inFlight === 1);
    const exitCode = worker.stop('SIGTERM');
    const lines = await readNdjson(await pending);

    expect(JSON.parse(lines[lines.length - 1].line)).toMatchObject({ done: true, done_reason: 'stop' });
    expect(await exitCode).toBe(0);
    await grid.waitForWorker('draining', 'gone');
    // Its model was served moments ago (the worker may be restarting): 503 with Retry-After, not 404.
    const after = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'drain', prompt: 'x' });
    expect(after.status).toBe(503);
    expect(after.headers.get('retry-after')).toBe('5');
  });

  it('refuses to boot on a bad setting and names the variable', () => {
    const result = spawnSync(process.execPath, [join(__dirname, '../../dist/apps/worker/src/main.js')], {
      env: { PATH: process.env.PATH, MAX_CONCURRENT_TASKS: 'lots', REDIS_PORT: '99999' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('MAX_CONCURRENT_TASKS');
    expect(result.stderr).toContain('REDIS_PORT');
  });
});
