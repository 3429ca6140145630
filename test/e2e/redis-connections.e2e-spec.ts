import Redis from 'ioredis';

import { TestGrid, jsonOf, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MANY = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'];

/**
 * The scale note's numbers (docs/deployment.md): Redis connections per gateway and per worker, counted
 * with CLIENT LIST as each process joins, and Redis commands per request from INFO commandstats.
 */
describe('Redis connections and commands', () => {
  const grid = new TestGrid();
  let admin: Redis;

  beforeAll(async () => {
    await grid.start();
    admin = grid.redis.client();
  });

  afterAll(async () => {
    admin?.disconnect();
    await grid.stop();
  });

  /** Connections other than this test's own (CLIENT LIST lists the caller too). */
  const connections = async () =>
    String(await admin.client('LIST'))
      .trim()
      .split('\n').length - 1;

  /** Waits until the count stops changing (lazily opened connections have opened). */
  const settled = async () => {
    let last = -1;
    return waitFor('connection count settles', async () => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const now = await connections();
      const stable = now === last;
      last = now;
      return stable ? { count: now } : null;
    }).then(({ count }) => count);
  };

  const generate = async (model: string, prompt: string) => {
    const answer = await jsonOf(
      await postJson(`${grid.gatewayUrl}/api/generate`, { model, prompt, stream: false }),
    );
    expect(typeof answer.response).toBe('string');
  };
  const stream = (model: string) =>
    postJson(`${grid.gatewayUrl}/api/generate`, { model, prompt: 's' }).then((r) => r.text());

  it('holds as many connections per worker with eight models as with one, and per gateway likewise', async () => {
    const before = await settled();
    await grid.startGateway();
    const one = await grid.startFixture({ models: [{ name: 'solo:latest' }] });
    await grid.startWorker('one-model', one, { MAX_CONCURRENT_TASKS: '2' });
    await generate('solo', 'warm');
    await stream('solo');
    const withGatewayAndOne = await settled();
    const names = String(await admin.client('LIST'))
      .trim()
      .split('\n')
      .map((line) => /name=(\S*)/.exec(line)?.[1] || '(unnamed)');
    process.stdout.write(`connection names with a gateway and one worker: ${names.sort().join(', ')}\n`);

    const eight = await grid.startFixture({ models: MANY.map((name) => ({ name: `${name}:latest` })) });
    await grid.startWorker('eight-models', eight, { MAX_CONCURRENT_TASKS: '2' });
    for (const model of MANY) await generate(model, 'warm');
    await Promise.all(MANY.map((model) => stream(model)));
    const withBoth = await settled();

    const perWorkerOne = withBoth - withGatewayAndOne;
    await grid.workers.get('eight-models')?.stop('SIGKILL');
    const withoutEight = await settled();
    const gateway = withoutEight - before - perWorkerOne;
    process.stdout.write(
      `connections: gateway ${gateway}, worker with 1 model ${perWorkerOne}, worker with 8 models ${withBoth - withoutEight}\n`,
    );
    expect(withBoth - withoutEight).toBe(perWorkerOne);
    expect(withoutEight).toBe(withGatewayAndOne);
    expect(gateway).toBeLessThanOrEqual(10);
  }, 120_000);

  it('counts the Redis commands of a request', async () => {
    const calls = async () => {
      const stats = await admin.info('commandstats');
      return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    };
    const idleStart = await calls();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idlePerSecond = ((await calls()) - idleStart - 2) / 5;
    const requests = 50;
    const start = await calls();
    const startedAt = Date.now();
    for (let n = 0; n < requests; n++) await generate('solo', `count ${n}`);
    const seconds = (Date.now() - startedAt) / 1000;
    const perRequest = ((await calls()) - start - 1 - idlePerSecond * seconds) / requests;
    process.stdout.write(
      `commands: ${perRequest.toFixed(1)} per non-streaming generate (8 tokens), background ${idlePerSecond.toFixed(1)}/s\n`,
    );
    expect(perRequest).toBeGreaterThan(5);
    expect(perRequest).toBeLessThan(200);
  }, 120_000);
});
