import Redis from 'ioredis';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

/** Presence keys live 3 heartbeats; a short heartbeat makes a gone gateway's key lapse within the test. */
const HEARTBEAT_MS = 300;
const PRESENCE_TTL_MS = 3 * HEARTBEAT_MS;

/**
 * Whether a worker takes a job's gateway for gone when it starts the job. Gateways no longer renew their
 * presence key with every job (issue 15): a job younger than the key's lifetime stands for its gateway, and
 * an older one's gateway is read.
 */
describe('a job’s gateway at the start of its run', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let redis: Redis;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    await grid.startGateway({ WORKER_HEARTBEAT_INTERVAL: String(HEARTBEAT_MS) });
    await grid.startWorker('presence-worker', fixture, {
      MAX_CONCURRENT_TASKS: '1',
      WORKER_HEARTBEAT_INTERVAL: String(HEARTBEAT_MS),
    });
    redis = grid.redis.client();
  });

  afterAll(async () => {
    redis.disconnect();
    await grid.stop();
  });

  const presenceKeys = () => redis.keys('gridllm:gateway:*');
  const prompts = () => fixture.requests.map((request) => (request.body as { prompt?: string })?.prompt);

  it('runs a young job although its gateway’s key is missing (lost in a Redis restart until the next beat)', async () => {
    // The gateway beats every 300 ms: its key is deleted on every turn while the job is asked for, so the
    // worker can only find it missing; a worker that read it would abort the job as orphaned.
    const keys = await presenceKeys();
    expect(keys).toHaveLength(1);
    let deleting = true;
    const deleter = (async () => {
      while (deleting) {
        await redis.del(keys[0]);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
        model: 'llama3.2',
        prompt: 'young job',
        stream: false,
      });
      const body = (await response.json()) as { response?: string; error?: string };
      expect(response.status).toBe(200);
      expect(body.response).toBe(fixture.expectedTokens('generate', { prompt: 'young job' }).join(''));
    } finally {
      deleting = false;
      await deleter;
    }
  });

  it('does not start a queued job whose gateway died longer ago than its key lives', async () => {
    // An async native job (no owning gateway) keeps the only slot busy past the gone gateway's key.
    fixture.setTokenDelay(400);
    const busy = await postJson(`${grid.gatewayUrl}/inference`, {
      model: 'llama3.2',
      prompt: 'keeps the slot',
      async: true,
    });
    expect(busy.status).toBe(202);
    const { id: busyId } = (await busy.json()) as { id: string };
    await waitFor('slot busy', () => fixture.inFlight === 1);
    const orphan = postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'llama3.2',
      prompt: 'orphaned job',
      stream: false,
    }).catch(() => null);
    await waitFor(
      'orphan queued',
      async () => (await redis.zcard('gridllm:llama3.2%3Alatest:prioritized')) === 1,
    );
    await grid.gateway?.stop('SIGKILL');
    await orphan;
    await waitFor(
      'the gateway’s key lapsed',
      async () => (await presenceKeys()).length === 0,
      PRESENCE_TTL_MS * 4,
    );
    // The orphan is older than a key's lifetime by the time the slot frees: its gateway is read.
    await new Promise((resolve) => setTimeout(resolve, PRESENCE_TTL_MS));
    expect(fixture.inFlight).toBe(1);
    fixture.setTokenDelay(0);
    await grid.startGateway({ WORKER_HEARTBEAT_INTERVAL: String(HEARTBEAT_MS) });
    await waitFor('the busy job done', async () => {
      const status = await fetch(`${grid.gatewayUrl}/inference/${busyId}/status`);
      return ((await status.json()) as { state?: string }).state === 'completed';
    });
    // Queued behind the orphan (same priority, FIFO): once it is answered, the orphan was taken before it.
    const after = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'llama3.2',
      prompt: 'after the orphan',
      stream: false,
    });
    expect(after.status).toBe(200);
    expect(prompts()).toContain('keeps the slot');
    expect(prompts()).toContain('after the orphan');
    expect(prompts()).not.toContain('orphaned job');
  });
});
