import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { freePort } from '../support/free-port';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

interface CheckBody {
  status: string;
  details: Record<string, { status: string; [field: string]: unknown }>;
}

/** A probe answer and how long it took. */
async function probe(url: string, method = 'GET') {
  const startedAt = Date.now();
  const response = await fetch(url, { method, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  return {
    status: response.status,
    ms: Date.now() - startedAt,
    text,
    body: () => JSON.parse(text) as CheckBody,
  };
}

describe('Operations: health probes', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let worker: AppProcess;
  let workerUrl: string;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ models: [{ name: 'probe:latest' }] });
    await grid.startGateway();
    worker = await grid.startWorker('probe-worker', fixture);
    workerUrl = await worker.url;
  });

  afterAll(() => grid.stop());

  it('answers live, ready and detailed on the gateway with Redis up, for GET and HEAD', async () => {
    for (const path of ['/health/live', '/health/ready', '/health']) {
      const get = await probe(`${grid.gatewayUrl}${path}`);
      const head = await probe(`${grid.gatewayUrl}${path}`, 'HEAD');
      expect([path, get.status, get.body().status]).toEqual([path, 200, 'ok']);
      expect([path, head.status, head.text]).toEqual([path, 200, '']);
    }

    const { details } = (await probe(`${grid.gatewayUrl}/health`)).body();
    expect(details.redis.status).toBe('up');
    expect(details.queue.status).toBe('up');
    expect(details.workers).toMatchObject({ status: 'up', online: 1, ready: 1, busy: 0, notReady: 0 });
    expect(details.queues.models).toContainEqual({
      model: 'probe:latest',
      waiting: { high: 0, medium: 0, low: 0 },
      active: 0,
    });
    // The Ollama API keeps the root path.
    expect(await (await fetch(`${grid.gatewayUrl}/`)).text()).toBe('Ollama is running');
  });

  it('answers live, ready and detailed on the worker with Redis and the engine up', async () => {
    for (const path of ['/health/live', '/health/ready', '/health']) {
      expect([path, (await probe(`${workerUrl}${path}`)).status]).toEqual([path, 200]);
      expect([path, (await probe(`${workerUrl}${path}`, 'HEAD')).status]).toEqual([path, 200]);
    }
    const ready = (await probe(`${workerUrl}/health/ready`)).body();
    expect(ready.details.engine).toMatchObject({ status: 'up', engine: 'ollama', version: '0.12.6' });
    const detailed = JSON.parse((await probe(`${workerUrl}/health`)).text) as Record<string, unknown>;
    expect(detailed).toMatchObject({ status: 'ready', models: ['probe:latest'], slots: 1, runningJobs: 0 });
  });

  it('keeps live at 200 and answers not-ready within a second while Redis is down, then recovers', async () => {
    await grid.redis.stop();

    for (let round = 0; round < 3; round++) {
      for (const base of [grid.gatewayUrl, workerUrl]) {
        const live = await probe(`${base}/health/live`);
        const ready = await probe(`${base}/health/ready`);
        const detailed = await probe(`${base}/health`);
        expect([base, live.status, ready.status, detailed.status]).toEqual([base, 200, 503, 503]);
        for (const answer of [live, ready, detailed]) expect(answer.ms).toBeLessThan(1000);
        expect(ready.body().details.redis.status).toBe('down');
      }
    }
    const gatewayReady = (await probe(`${grid.gatewayUrl}/health/ready`)).body();
    expect(gatewayReady).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });

    await grid.redis.start();

    for (const base of [grid.gatewayUrl, workerUrl]) {
      await waitFor(`${base} ready again`, async () => (await probe(`${base}/health/ready`)).status === 200);
    }
    await grid.waitForWorker('probe-worker', 'ready');
    const answer = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'probe',
      prompt: 'after the outage',
      stream: false,
    });
    expect(answer.status).toBe(200);
  });

  it('reports a worker not ready while its engine is down, and ready once it answers', async () => {
    const port = await freePort();
    const late = await grid.startWorker('late-engine', `http://127.0.0.1:${port}`, { EXPECT_NOT_READY: '1' });
    const lateUrl = await late.url;

    const down = await probe(`${lateUrl}/health/ready`);
    expect(down.status).toBe(503);
    expect(down.body().details).toMatchObject({ redis: { status: 'up' }, engine: { status: 'down' } });
    expect((await probe(`${lateUrl}/health/live`)).status).toBe(200);
    await grid.waitForWorker('late-engine', 'not-ready');
    const fleet = (await probe(`${grid.gatewayUrl}/health`)).body().details.workers;
    expect(fleet).toMatchObject({ online: 2, ready: 1, notReady: 1 });

    await grid.startFixture({ models: [{ name: 'late:latest' }] }, port);

    await waitFor('late worker ready', async () => (await probe(`${lateUrl}/health/ready`)).status === 200);
    expect((await probe(`${lateUrl}/health`)).status).toBe(200);
    await late.stop();
  });

  it('opens no HTTP port with WORKER_PORT=0 and still registers and runs jobs', async () => {
    const portless = await grid.startFixture({ models: [{ name: 'portless:latest' }] });
    const child = spawnWorker({
      ...grid.redisEnv(),
      WORKER_ID: 'portless',
      OLLAMA_URL: portless.url,
      WORKER_PORT: '0',
      PORT: '0',
    });
    try {
      await grid.waitForWorker('portless', 'ready');
      expect(listeningSockets(worker.pid!)).toHaveLength(1); // the check sees a worker's port
      expect(listeningSockets(child.pid!)).toEqual([]);
      const answer = await postJson(`${grid.gatewayUrl}/api/generate`, {
        model: 'portless',
        prompt: 'hi',
        stream: false,
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-gridllm-worker')).toBe('portless');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

function spawnWorker(env: Record<string, string>): ChildProcess {
  const entry = join(__dirname, '../../dist/apps/worker/src/main.js');
  return spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
}

/** TCP sockets in LISTEN state that the process holds (from /proc: no tool needed). */
function listeningSockets(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const listening = ['tcp', 'tcp6'].flatMap((table) =>
    readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && inodes.has(fields[9])),
  );
  return listening.map((fields) => fields[1]);
}
