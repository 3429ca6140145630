import fc from 'fast-check';

import { modelNameProblem } from '@gridllm/contracts';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { FuzzStats } from '../support/fuzz-stats';
import { FuzzRequest, OpenApiDocument, RequestArbitraries, Route, routesOf } from '../support/openapi-fuzz';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

/**
 * Requests derived from the gateway's own OpenAPI document (GET /docs-json), with hostile ingredients
 * (wrong Content-Encoding, deep nesting, huge numbers and strings, odd names, prototype keys, malformed
 * JSON, wrong methods), sent for a bounded time with a fixed seed. Fails on any 500, any request that
 * hangs, and any credential that gets through where it must not. FUZZ_SEED and FUZZ_SECONDS override.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const REQUEST_TIMEOUT_MS = 20_000;
/** Fewer runs than this in the time given means the fuzzer barely ran: a failure of its own. */
const MIN_RUNS = 150;
const ADMIN_KEY = 'admin-key-for-the-fuzz-test-0123456789';
const MODELS = ['llama3.2', 'llama3.2:latest', 'secret-model'];
const INT32_MAX = 2_147_483_647;

type Scope = 'public' | 'inference' | 'models:manage' | 'admin';

function scopeOf(path: string): Scope {
  if (/^\/(health|metrics|docs)/.test(path)) return 'public';
  if (path.startsWith('/admin')) return 'admin';
  if (/\/api\/(delete|copy|pull|push|create|blobs)/.test(path)) return 'models:manage';
  return 'inference';
}

const WRONG_CREDENTIALS: Record<string, Record<string, string>> = {
  none: {},
  'wrong-key': { Authorization: `Bearer gllm_${'A'.repeat(43)}` },
  'wrong-x-api-key': { 'x-api-key': 'not-a-key' },
  'unsigned-jwt': { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwic2NvcGUiOiJhZG1pbiJ9.' },
};

interface Outcome {
  status: number;
  contentType: string;
  text: string;
}

/** Sends one request; a request that does not finish (headers and body) in time is a hang. */
async function send(request: FuzzRequest): Promise<Outcome> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
    });
    const contentType = response.headers.get('content-type') ?? '';
    // An event stream that opened (the dashboard's /admin/events) is live by design: its headers answer.
    if (response.ok && contentType.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, contentType, text: '' };
    }
    const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
    return { status: response.status, contentType, text };
  } catch (error) {
    if (signal.aborted) throw new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms (a hang)`);
    throw error;
  }
}

/** What is wrong with the answer to `request`; empty when nothing is. */
function problemsOf(request: FuzzRequest, outcome: Outcome, authOn: boolean): string[] {
  const problems: string[] = [];
  const { status } = outcome;
  const path = request.route.path;
  const scope = scopeOf(path);
  const documented = request.documented;
  if (status === 500 || status > 504) problems.push(`status ${status}`);
  if (status >= 400 && request.method !== 'HEAD' && scope !== 'public') {
    const openAi = /^\/(ollama\/)?v1\//.test(path);
    const anthropic = /^\/(ollama\/)?v1\/messages$/.test(path);
    if (!outcome.contentType.startsWith('application/json')) problems.push(`error as ${outcome.contentType}`);
    else {
      const body = JSON.parse(outcome.text) as { type?: unknown; error?: unknown };
      const error = body.error;
      const shaped = openAi
        ? typeof (error as { message?: unknown })?.message === 'string' &&
          (anthropic ? body.type === 'error' : (error as { param?: unknown }).param === null)
        : typeof error === 'string';
      if (!shaped) problems.push(`error body not in its family's shape: ${outcome.text.slice(0, 200)}`);
    }
  }
  if (!authOn || scope === 'public') return problems;
  const success = status < 400;
  if (request.credential in WRONG_CREDENTIALS) {
    if (success) problems.push(`credential "${request.credential}" got ${status}`);
    else if (documented && status !== 401)
      problems.push(`credential "${request.credential}" got ${status}, not 401`);
  }
  if (request.credential === 'narrow') {
    if (scope !== 'inference' && success)
      problems.push(`inference-only key got ${status} on a ${scope} route`);
    else if (scope !== 'inference' && documented && status !== 403)
      problems.push(`narrow key got ${status}, not 403`);
    if (success && outcome.text.includes('secret-model'))
      problems.push('narrow key saw a model outside its allowlist');
  }
  return problems;
}

describe('Fuzzing every documented route', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let gateway: AppProcess;
  let secured: AppProcess;
  let securedUrl = '';
  let narrowKey = '';

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({
      models: [{ name: 'llama3.2:latest' }, { name: 'secret-model:latest' }],
    });
    gateway = await grid.startGateway({ LOG_FORMAT: 'json' });
    await grid.startWorker('fuzz-worker', fixture);
    secured = await new AppProcess('gateway', {
      ...grid.redisEnv(),
      LOG_FORMAT: 'json',
      ADMIN_API_KEY: ADMIN_KEY,
    }).start();
    securedUrl = await secured.url;
    const created = await postJson(
      `${securedUrl}/admin/keys`,
      { name: 'fuzz-narrow', scopes: ['inference'], models: ['llama3.2'] },
      { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_KEY}` } },
    );
    narrowKey = ((await created.json()) as { key: string }).key;
  });

  afterAll(async () => {
    await secured?.stop('SIGKILL');
    await grid.stop();
  });

  async function fuzz(url: string, credentials: Record<string, Record<string, string>>, authOn: boolean) {
    const document = (await (await fetch(`${url}/docs-json`)).json()) as OpenApiDocument;
    const routes: Route[] = routesOf(document);
    expect(routes.length).toBeGreaterThan(40);
    const stats = new FuzzStats();
    const requests = new RequestArbitraries(document, MODELS).request(routes, url, credentials);
    const property = fc.asyncProperty(requests, async (request) => {
      const began = Date.now();
      const outcome = await send(request);
      const what = `${request.method} ${request.route.path} [${request.traits.join(', ')}]`;
      stats.record(outcome.status, Date.now() - began, what);
      const problems = problemsOf(request, outcome, authOn);
      if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
    });
    const details = await fc.check(property, {
      seed: SEED,
      numRuns: 1_000_000,
      interruptAfterTimeLimit: SECONDS * 1000,
      markInterruptAsFailure: false,
      endOnFailure: true,
    });
    console.log(
      stats.summary(
        `fuzz (auth ${authOn ? 'on' : 'off'}, seed ${SEED}, ${routes.length} routes)`,
        details.numRuns,
      ),
    );
    // The seed and path replay the failing request (fc.check's `path` option); its error names it.
    const failure = `seed ${details.seed}, path ${details.counterexamplePath}: ${String(details.errorInstance)}`;
    expect(details.failed ? failure : 'no failure').toBe('no failure');
    expect(details.numRuns).toBeGreaterThanOrEqual(MIN_RUNS);
  }

  /** After a run: the gateway still answers normally, and the engine only ever got bounded values. */
  async function expectIntact(app: AppProcess, url: string, headers: Record<string, string>) {
    expect(app.exited).toBe(false);
    expect(app.logs).not.toMatch(/unhandled error|RangeError|Maximum call stack/);
    const tags = await fetch(`${url}/api/tags`, { headers });
    expect(tags.status).toBe(200);
    for (const { body } of fixture.requests) {
      const sent = (body ?? {}) as {
        model?: unknown;
        options?: { num_predict?: unknown; num_ctx?: unknown };
      };
      if (typeof sent.model === 'string') expect(modelNameProblem(sent.model)).toBeUndefined();
      const numPredict = sent.options?.num_predict;
      if (typeof numPredict === 'number') expect(Math.abs(numPredict)).toBeLessThanOrEqual(INT32_MAX);
      const numCtx = sent.options?.num_ctx;
      if (typeof numCtx === 'number') expect(Math.abs(numCtx)).toBeLessThanOrEqual(INT32_MAX);
      expect(Object.keys(sent)).not.toContain('polluted');
    }
  }

  it(
    'with auth off: no 500, no hang, errors in their family shape, the engine gets only bounded values',
    async () => {
      await fuzz(grid.gatewayUrl, { none: {}, 'any-key': { Authorization: 'Bearer whatever' } }, false);
      await expectIntact(gateway, grid.gatewayUrl, {});
    },
    (SECONDS + 120) * 1000,
  );

  it(
    'with auth on: no 500, no hang, no wrong or missing credential and no narrow key gets through',
    async () => {
      fixture.setModels([{ name: 'llama3.2:latest' }, { name: 'secret-model:latest' }]);
      const credentials = {
        ...WRONG_CREDENTIALS,
        narrow: { Authorization: `Bearer ${narrowKey}` },
        admin: { Authorization: `Bearer ${ADMIN_KEY}` },
      };
      await fuzz(securedUrl, credentials, true);
      await expectIntact(secured, securedUrl, { Authorization: `Bearer ${ADMIN_KEY}` });
    },
    (SECONDS + 120) * 1000,
  );

  it('leaves no job running on the engine', async () => {
    await waitFor('no job left running on the engine', () => fixture.inFlight === 0, 30_000);
  });
});
