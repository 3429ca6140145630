import { rmSync } from 'node:fs';

import Redis from 'ioredis';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { runUntilExit } from '../support/app-exit';
import { aclDenials, createDocumentedAclUser } from '../support/documented-acl';
import { dumpRedis } from '../support/redis-dump';
import { SecuredGrid } from '../support/secured-grid';
import { TestGrid, postJson } from '../support/test-grid';
import { makeTestCertificates } from '../support/tls-certificates';
import { waitFor } from '../support/wait-for';

const TOKEN = 'grid-worker-token-0001';
const WRONG_TOKEN = 'other-grid-token-0002';
const JOBS = 12;

/** Requests that carry a prompt to the engine. */
function promptsReceived(fixture: OllamaFixture): number {
  return fixture.requests.filter((request) => /^\/api\/(generate|chat|embed)/.test(request.path)).length;
}

/** Runs `count` jobs at once through the gateway; resolves with their HTTP statuses. */
async function runJobs(grid: TestGrid, model: string, count: number): Promise<number[]> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      postJson(`${grid.gatewayUrl}/api/generate`, { model, prompt: `job ${index}`, stream: false }),
    ),
  );
  return answers.map((answer) => answer.status);
}

async function listedWorkers(grid: TestGrid): Promise<string[]> {
  const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as Array<{ id: string }>;
  return workers.map((worker) => worker.id);
}

/** Starts a worker that must refuse to start while `JOBS` jobs run on the grid; returns its exit and the jobs' statuses. */
async function refusedDuringJobs(
  grid: TestGrid,
  model: string,
  fixture: OllamaFixture,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; statuses: number[] }> {
  const exit = runUntilExit('worker', {
    ...grid.redisEnv(),
    OLLAMA_URL: fixture.url,
    ENGINE: 'ollama',
    ...env,
  });
  const statuses = await runJobs(grid, model, JOBS);
  return { ...(await exit), statuses };
}

describe('Worker credentials', () => {
  describe('on a grid with WORKER_TOKEN', () => {
    const grid = new TestGrid();
    let good: OllamaFixture;
    let redis: Redis;

    beforeAll(async () => {
      await grid.start();
      redis = grid.redis.client();
      await grid.startGateway({ WORKER_TOKEN: TOKEN });
      good = await grid.startFixture({ models: [{ name: 'tok:latest' }] });
      await grid.startWorker('good', good, { WORKER_TOKEN: TOKEN });
    });

    afterAll(async () => {
      redis.disconnect();
      await grid.stop();
    });

    it('keeps only a salted proof of the token in Redis', async () => {
      const proof = await redis.get('gridllm:worker-token-check');
      expect(proof).toMatch(/^v1:[0-9a-f]+:[0-9a-f]{64}$/);
      expect(proof).not.toContain(TOKEN);
    });

    it('keeps prompts out of Redis: queued jobs hold only the sealed request (dropped when they end), the engine gets it whole', async () => {
      // The fixture answers with the prompt's words numbered ("alpha_0 beta_1"), so the exact prompt
      // can only be in Redis if the request itself is stored in the clear.
      const prompt = `sealed-prompt-${Date.now()} never-in-redis`;
      const answer = await postJson(`${grid.gatewayUrl}/api/generate`, {
        model: 'tok',
        prompt,
        stream: false,
      });
      expect(answer.status).toBe(200);
      expect(good.requests.some((request) => (request.body as { prompt?: string })?.prompt === prompt)).toBe(
        true,
      );
      // The client has its answer with the final line; the worker records the job as completed just after.
      const jobId = answer.headers.get('x-gridllm-job-id');
      await waitFor('the job recorded as completed', async () => {
        const status = await fetch(`${grid.gatewayUrl}/inference/${jobId}/status`);
        return ((await status.json()) as { state?: string }).state === 'completed';
      });
      const everything = await dumpRedis(redis);
      // A finished job keeps no request at all, sealed or not (see docs/security.md, "Memory and retention").
      expect(everything).toMatch(/"kind\\?":\\?"generate/);
      expect(everything).not.toMatch(/sealedRequest/);
      expect(everything).not.toContain(prompt);
    });

    it('serves every job on the worker with the token; a worker with another token exits and gets no prompt', async () => {
      const wrongEngine = await grid.startFixture({ models: [{ name: 'tok:latest' }] });
      good.resetCounters();

      const run = await refusedDuringJobs(grid, 'tok', wrongEngine, {
        WORKER_ID: 'wrong-token',
        WORKER_TOKEN: WRONG_TOKEN,
      });

      expect(run.code).toBe(1);
      expect(run.output).toContain("WORKER_TOKEN does not match this grid's");
      expect(run.output).not.toContain(WRONG_TOKEN);
      expect(run.statuses).toEqual(Array(JOBS).fill(200));
      expect(promptsReceived(good)).toBe(JOBS);
      expect(wrongEngine.requests).toEqual([]);
      expect(await redis.exists('gridllm:worker:wrong-token')).toBe(0);
    });

    it('refuses a worker without a token, which gets no prompt', async () => {
      const tokenless = await grid.startFixture({ models: [{ name: 'tok:latest' }] });

      const run = await refusedDuringJobs(grid, 'tok', tokenless, { WORKER_ID: 'tokenless' });

      expect(run.code).toBe(1);
      expect(run.output).toContain('this grid requires WORKER_TOKEN');
      expect(run.statuses).toEqual(Array(JOBS).fill(200));
      expect(tokenless.requests).toEqual([]);
    });

    it('refuses a second gateway with another token, or with none', async () => {
      const other = await runUntilExit('gateway', { ...grid.redisEnv(), WORKER_TOKEN: WRONG_TOKEN });
      const none = await runUntilExit('gateway', grid.redisEnv());

      expect(other.code).toBe(1);
      expect(other.output).toContain("WORKER_TOKEN does not match this grid's");
      expect(other.output).not.toContain(WRONG_TOKEN);
      expect(none.code).toBe(1);
      expect(none.output).toContain('this grid requires WORKER_TOKEN');
      expect(await redis.get('gridllm:worker-token-check')).toMatch(/^v1:/);
    });

    it("ignores a registration that is unsigned or carries another worker's signature", async () => {
      const genuine = JSON.parse((await redis.get('gridllm:worker:good')) as string) as Record<
        string,
        unknown
      >;
      const forge = async (id: string, signature?: string) => {
        const record = {
          ...genuine,
          id,
          signature,
          models: [{ ...(genuine.models as object[])[0], name: 'forged:latest' }],
        };
        await redis
          .multi()
          .set(`gridllm:worker:${id}`, JSON.stringify(record), 'PX', 60000)
          .sadd('gridllm:workers', id)
          .zadd('gridllm:model-workers:forged:latest', Date.now() + 60000, id)
          .exec();
      };
      await forge('unsigned');
      await forge('copied-signature', genuine.signature as string);

      expect(await listedWorkers(grid)).toEqual(['good']);
      const tags = (await (await fetch(`${grid.gatewayUrl}/api/tags`)).json()) as {
        models: Array<{ name: string }>;
      };
      expect(tags.models.map((model) => model.name)).toEqual(['tok:latest']);
      const answer = await postJson(`${grid.gatewayUrl}/api/generate`, {
        model: 'forged',
        prompt: 'x',
        stream: false,
      });
      expect(answer.status).toBe(404);
      expect(grid.gateway?.logs).toContain('ignoring worker unsigned');
    });
  });

  describe('before any gateway has set the token', () => {
    const grid = new TestGrid();

    beforeAll(() => grid.start());
    afterAll(() => grid.stop());

    it('keeps a worker with a token waiting, registering nothing, until a gateway with the token starts', async () => {
      const fixture = await grid.startFixture({ models: [{ name: 'late:latest' }] });
      const worker = new AppProcess('worker', {
        ...grid.redisEnv(),
        WORKER_ID: 'patient',
        OLLAMA_URL: fixture.url,
        ENGINE: 'ollama',
        WORKER_TOKEN: TOKEN,
        WORKER_HEARTBEAT_INTERVAL: '300',
      });
      grid.workers.set('patient', worker);
      const started = worker.start();
      await waitFor('the worker to say it waits', () =>
        worker.logs.includes('waiting, registering and taking nothing'),
      );
      const redis = grid.redis.client();
      expect(await redis.smembers('gridllm:workers')).toEqual([]);
      redis.disconnect();
      expect(fixture.requests).toEqual([]);

      await grid.startGateway({ WORKER_TOKEN: TOKEN, WORKER_HEARTBEAT_INTERVAL: '300' });
      await started;
      await grid.waitForWorker('patient', 'ready');
      expect(await runJobs(grid, 'late', 2)).toEqual([200, 200]);
    });
  });

  describe('with Redis ACL users', () => {
    const ADMIN_PASSWORD = 'redis-admin-password-1';
    const WORKER_PASSWORD = 'worker-password-22';
    const GATEWAY_PASSWORD = 'gateway-password-333';
    const grid = new SecuredGrid({ password: ADMIN_PASSWORD });
    let admin: Redis;
    const asWorker = {
      REDIS_USERNAME: 'gridllm-worker',
      REDIS_PASSWORD: WORKER_PASSWORD,
      WORKER_TOKEN: TOKEN,
    };

    beforeAll(async () => {
      await grid.start();
      admin = grid.redis.client();
      await createDocumentedAclUser(admin, 'gridllm-worker', WORKER_PASSWORD);
      await createDocumentedAclUser(admin, 'gridllm-gateway', GATEWAY_PASSWORD);
      await admin.call('ACL', 'LOG', 'RESET');
      await grid.startGateway({
        REDIS_URL: `redis://gridllm-gateway:${GATEWAY_PASSWORD}@127.0.0.1:${grid.redis.port}`,
        WORKER_TOKEN: TOKEN,
        PRIORITY_AGING_MS: '2000',
      });
    });

    afterAll(async () => {
      admin.disconnect();
      await grid.stop();
    });

    it('runs jobs end to end under the documented ACLs, which Redis never refuses a command', async () => {
      const fixture = await grid.startFixture({ tokenDelayMs: 5, models: [{ name: 'acl:latest' }] });
      await grid.startWorker('acl-worker', fixture, asWorker);

      expect(await runJobs(grid, 'acl', JOBS)).toEqual(Array(JOBS).fill(200));
      const streamed = await postJson(`${grid.gatewayUrl}/api/chat`, {
        model: 'acl',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(streamed.status).toBe(200);
      await streamed.text();
      // A client that leaves cancels its running job: the cancel key and channel must be allowed too.
      fixture.setTokenDelay(200);
      const controller = new AbortController();
      const leaving = postJson(
        `${grid.gatewayUrl}/api/generate`,
        { model: 'acl', prompt: 'cancel me' },
        { signal: controller.signal },
      ).catch(() => undefined);
      await waitFor('the job to run', () => fixture.inFlight === 1);
      controller.abort();
      await leaving;
      await waitFor('the engine to stop generating', () => fixture.aborted === 1);
      fixture.setTokenDelay(5);
      // A model load goes to the worker through its control stream.
      const load = await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'acl' });
      expect(((await load.json()) as { done_reason?: string }).done_reason).toBe('load');
      // Let the periodic work run under the ACL too: heartbeats, stall checks, lock renewal, priority aging.
      await new Promise((resolve) => setTimeout(resolve, 2500));

      expect(await aclDenials(admin, 'gridllm-worker')).toEqual([]);
      expect(await aclDenials(admin, 'gridllm-gateway')).toEqual([]);
    });

    it('refuses a worker with a wrong password with a clear error; it gets no prompt', async () => {
      const engine = await grid.startFixture({ models: [{ name: 'acl:latest' }] });

      const run = await refusedDuringJobs(grid, 'acl', engine, {
        ...asWorker,
        WORKER_ID: 'wrong-password',
        REDIS_PASSWORD: 'not-the-password',
      });

      expect(run.code).toBe(1);
      expect(run.output).toContain(
        `Redis at 127.0.0.1:${grid.redis.port} refused the credentials of user "gridllm-worker" (WRONGPASS)`,
      );
      expect(run.output).not.toContain('not-the-password');
      expect(run.statuses).toEqual(Array(JOBS).fill(200));
      expect(engine.requests).toEqual([]);
    });

    it('refuses a worker without credentials (NOAUTH)', async () => {
      const run = await runUntilExit('worker', {
        ...grid.redisEnv(),
        WORKER_TOKEN: TOKEN,
        OLLAMA_URL: 'http://127.0.0.1:9',
      });

      expect(run.code).toBe(1);
      expect(run.output).toContain('requires authentication (NOAUTH)');
    });
  });

  describe('with Redis over TLS only', () => {
    const certs = makeTestCertificates();
    const grid = new SecuredGrid({ tls: certs }, { REDIS_TLS: 'true', REDIS_TLS_CA: certs.caFile });

    beforeAll(async () => {
      await grid.start();
      await grid.startGateway();
    });

    afterAll(async () => {
      await grid.stop();
      rmSync(certs.dir, { recursive: true, force: true });
    });

    it('completes a job between a gateway and a worker over rediss://', async () => {
      const fixture = await grid.startFixture({ models: [{ name: 'tls:latest' }] });
      await grid.startWorker('tls-worker', fixture, {
        REDIS_URL: `rediss://127.0.0.1:${grid.redis.port}`,
        REDIS_TLS: 'false',
      });

      expect(await runJobs(grid, 'tls', 3)).toEqual([200, 200, 200]);
      expect(promptsReceived(fixture)).toBe(3);
    });

    it('refuses a worker that does not trust the server certificate, with a clear TLS error', async () => {
      const run = await runUntilExit('worker', {
        REDIS_URL: `rediss://127.0.0.1:${grid.redis.port}`,
        OLLAMA_URL: 'http://127.0.0.1:9',
      });

      expect(run.code).toBe(1);
      expect(run.output).toContain(`TLS with Redis at 127.0.0.1:${grid.redis.port} failed`);
      expect(run.output).toContain('set REDIS_TLS_CA');
    });
  });
});
