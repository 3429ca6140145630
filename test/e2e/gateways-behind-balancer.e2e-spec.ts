import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { freePort } from '../support/free-port';
import { HaproxyBalancer } from '../support/haproxy';
import { LoadResult, RequestLoad } from '../support/request-load';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MODEL = 'ha:latest';
/** Tokens per load request: about 300 ms of streaming at the fixtures' pace. */
const TOKENS = 12;
const DRAIN_DELAY_MS = 2000;
const NAMES = ['g1', 'g2', 'g3'];

/**
 * Three gateways behind a real HAProxy (health checks on /health/ready), two workers, continuous load of
 * every family: rolling restarts of the gateways and of the workers fail no request; kill -9 of one
 * gateway fails only what was open on it.
 */
describe('Gateways behind a load balancer', () => {
  const grid = new TestGrid();
  const gateways = new Map<string, AppProcess>();
  const ports = new Map<string, number>();
  let balancer: HaproxyBalancer;
  let fixtures: OllamaFixture[];
  const loads: RequestLoad[] = [];

  /** Load that a failed test must not leave running into the next one. */
  function startLoad(clients: number): RequestLoad {
    const load = new RequestLoad(balancer.url, fixtures[0], MODEL, TOKENS).start(clients);
    loads.push(load);
    return load;
  }

  afterEach(async () => {
    await Promise.all(loads.splice(0).map((load) => load.stop()));
  });

  async function startGateway(name: string): Promise<void> {
    const gateway = new AppProcess(
      'gateway',
      {
        ...grid.redisEnv(),
        SHUTDOWN_DRAIN_DELAY: String(DRAIN_DELAY_MS),
        SHUTDOWN_GRACE_PERIOD: '20000',
      },
      ports.get(name),
    );
    // Generous: on a loaded 2-core machine a gateway's boot has taken more than 15 s.
    gateways.set(name, await gateway.start(60000));
  }

  beforeAll(async () => {
    await grid.start();
    for (const name of NAMES) ports.set(name, await freePort());
    for (const name of NAMES) await startGateway(name);
    balancer = await new HaproxyBalancer(NAMES.map((name) => ({ name, port: ports.get(name) ?? 0 }))).start();
    await Promise.all(NAMES.map((name) => balancer.waitForState(name, 'UP')));
    grid.gatewayUrl = balancer.url;
    fixtures = [];
    for (const id of ['w1', 'w2']) {
      const fixture = await grid.startFixture({
        tokenDelayMs: 25,
        tokensPerAnswer: 2000,
        numParallel: 6,
        models: [{ name: MODEL }],
      });
      fixtures.push(fixture);
      await grid.startWorker(id, fixture, { MAX_CONCURRENT_TASKS: '6' });
    }
  }, 120000);

  afterAll(async () => {
    await Promise.all([...gateways.values()].map((gateway) => gateway.stop('SIGKILL')));
    await balancer?.stop();
    await grid.stop();
  });

  function summary(results: LoadResult[]): string {
    const failed = results.filter((result) => !result.ok);
    return `${results.length} requests, ${failed.length} failed${failed.length ? `: ${JSON.stringify(failed.slice(0, 5))}` : ''}`;
  }

  /** A long NDJSON stream through the balancer: `opened` once headers came, `ended` with its verdict. */
  function longStream(prompt: string, tokens: number) {
    const options = { num_predict: tokens };
    const expected = fixtures[0].expectedTokens('generate', { prompt, options }).join('');
    const response = postJson(`${balancer.url}/api/generate`, { model: MODEL, prompt, options });
    const opened = response.then((r) => r.headers.get('x-served-by') ?? '');
    const ended = response
      .then((r) => r.text())
      .then((body) => {
        const lines = body
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { response?: string });
        return lines.map((line) => line.response ?? '').join('') === expected;
      })
      .catch(() => false);
    return { opened, ended };
  }

  const totalAborted = () => fixtures.reduce((sum, fixture) => sum + fixture.aborted, 0);

  async function loadRunning(load: RequestLoad): Promise<void> {
    const before = load.results.length;
    await waitFor('load running', () => load.results.length >= before + 12, 30000);
  }

  it('restarts every gateway one at a time under load, twice over, without failing a request', async () => {
    const load = startLoad(6);
    await loadRunning(load);
    const exitTimes: number[] = [];
    for (const run of [1, 2]) {
      for (const name of NAMES) {
        const stoppedAt = Date.now();
        const gateway = gateways.get(name)!;
        const exit = gateway.stop('SIGTERM');
        // Its failing readiness took it out of rotation while it still served (the drain delay).
        await balancer.waitForState(name, 'DOWN', DRAIN_DELAY_MS + 5000);
        expect(gateway.exited).toBe(false);
        expect(await exit).toBe(0);
        exitTimes.push(Date.now() - stoppedAt);
        await startGateway(name);
        await balancer.waitForState(name, 'UP');
        await loadRunning(load);
      }
      console.log(`gateway rolling restart run ${run}: ${load.results.length} requests so far`);
    }
    const results = await load.stop();
    console.log(`gateway rolling restarts: ${summary(results)}; SIGTERM → exit ms: ${exitTimes.join(', ')}`);
    expect(load.failures()).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
    expect(new Set(results.map((result) => result.servedBy))).toEqual(new Set(NAMES));
    // Each exit waits out the drain delay, then only for in-flight requests of ~300 ms.
    // (Before the drain, kept-alive balancer connections held each exit for Node's 5 s keep-alive timeout.)
    for (const ms of exitTimes) expect(ms).toBeLessThan(DRAIN_DELAY_MS + 3000);
  }, 240000);

  it('restarts both workers one at a time under load without failing a request', async () => {
    const load = startLoad(6);
    await loadRunning(load);
    for (const [index, id] of ['w1', 'w2'].entries()) {
      expect(await grid.workers.get(id)?.stop('SIGTERM')).toBe(0);
      await grid.startWorker(id, fixtures[index], { MAX_CONCURRENT_TASKS: '6' });
      await loadRunning(load);
    }
    const results = await load.stop();
    console.log(`worker rolling restart: ${summary(results)}`);
    expect(load.failures()).toEqual([]);
    expect(results.length).toBeGreaterThan(30);
  }, 180000);

  it('kill -9 of a gateway fails only what was open on it, frees its jobs’ slots, keeps async jobs; new requests succeed', async () => {
    const load = startLoad(4);
    await loadRunning(load);
    // ~20 s each at the fixtures' pace, longer than the workers wait before they give up on a gateway
    // that has gone (OwnerAbsence: 5 missed presence beats); leastconn spreads them over the gateways.
    const streams = Array.from({ length: 6 }, (_, n) => longStream(`long stream ${n}`, 800));
    const servedBy = await Promise.all(streams.map((stream) => stream.opened));
    const victim = NAMES.reduce((a, b) =>
      servedBy.filter((name) => name === b).length > servedBy.filter((name) => name === a).length ? b : a,
    );
    const victimUrl = await gateways.get(victim)!.url;
    const asyncIds = await Promise.all(
      [0, 1, 2, 3].map(async (n) => {
        const body = { model: MODEL, prompt: `detached ${n}`, options: { num_predict: 80 }, async: true };
        const accepted = await postJson(`${victimUrl}/inference`, body);
        expect(accepted.status).toBe(202);
        return ((await accepted.json()) as { id: string }).id;
      }),
    );
    const abortedBefore = totalAborted();
    const killedAt = Date.now();
    await gateways.get(victim)?.stop('SIGKILL');

    // The workers see the gateway's presence key expire and abort its jobs (no client is left to read them).
    const onVictim = servedBy.filter((name) => name === victim).length;
    await waitFor('the dead gateway’s jobs aborted', () => totalAborted() - abortedBefore >= onVictim, 25000);
    const freedAfterMs = Date.now() - killedAt;
    const verdicts = await Promise.all(streams.map((stream) => stream.ended));
    expect(verdicts).toEqual(servedBy.map((name) => name !== victim));
    const results = await load.stop();
    const failures = load.failures();
    console.log(
      `gateway kill -9: long streams ${servedBy.join(',')} (victim ${victim}), slots freed after ${freedAfterMs} ms; ` +
        `load: ${summary(results)}`,
    );
    // Only requests that were open at the kill may fail; everything sent after it succeeded.
    for (const failure of failures) expect(failure.startedAt).toBeLessThan(killedAt);
    expect(results.filter((result) => result.startedAt > killedAt).length).toBeGreaterThan(10);

    const survivors = NAMES.filter((name) => name !== victim);
    for (const id of asyncIds) {
      for (const name of survivors) {
        const url = await gateways.get(name)!.url;
        const outcome = await waitFor(`async job ${id} from ${name}`, async () => {
          const answer = (await (await fetch(`${url}/inference/${id}/result`)).json()) as {
            state?: string;
            result?: { response?: string };
          };
          return answer.state === 'completed' && answer;
        });
        const prompt = `detached ${asyncIds.indexOf(id)}`;
        const expected = fixtures[0].expectedTokens('generate', { prompt, options: { num_predict: 80 } });
        expect(outcome.result?.response).toBe(expected.join(''));
      }
    }
    await waitFor('every engine slot free', () => fixtures.every((fixture) => fixture.inFlight === 0));
  }, 180000);
});
