import { gzipSync } from 'node:zlib';

import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const ADMIN_KEY = 'admin-key-for-hostile-input-0123456789';
const PROMPT_MARKER = 'okapi9hostile7prompt';
const LOGGING = { LOG_LEVEL: 'info', LOG_FORMAT: 'json' };
const MODEL = 'llama3.2';

/** One route of each error family, with a body that would succeed. */
interface Family {
  name: string;
  path: string;
  body: Record<string, unknown>;
  openAi: boolean;
}

const FAMILIES: Family[] = [
  {
    name: 'Ollama',
    path: '/api/generate',
    body: { model: MODEL, prompt: 'x', stream: false },
    openAi: false,
  },
  {
    name: 'Ollama under /ollama',
    path: '/ollama/api/chat',
    body: { model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: false },
    openAi: false,
  },
  {
    name: 'OpenAI',
    path: '/v1/chat/completions',
    body: { model: MODEL, messages: [{ role: 'user', content: 'x' }] },
    openAi: true,
  },
  { name: 'native', path: '/inference', body: { model: MODEL, prompt: 'x' }, openAi: false },
];

/** The error message of a refusal, after checking the family's shape: `{"error":"…"}` or OpenAI's object. */
async function refusal(response: Response, status: number, openAi: boolean): Promise<string> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: unknown };
  expect(Object.keys(body)).toEqual(['error']);
  if (!openAi) {
    expect(typeof body.error).toBe('string');
    return body.error as string;
  }
  const error = body.error as { message: string; type: string; param: null; code: null };
  expect(error).toEqual({
    message: expect.any(String) as string,
    type: status === 400 ? 'invalid_request_error' : expect.any(String),
    param: null,
    code: null,
  });
  return error.message;
}

/** `{"model":…, <field>: [[[…]]]}` nested `levels` deep inside one field, written as text. */
function nestedBody(base: Record<string, unknown>, field: string, levels: number): string {
  const start = JSON.stringify(base).slice(0, -1);
  return `${start},"${field}":${'['.repeat(levels)}${']'.repeat(levels)}}`;
}

describe('Hostile input', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let gateway: AppProcess;
  let secured: AppProcess;
  let securedUrl: string;

  const send = (
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
    url = grid.gatewayUrl,
  ) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ models: [{ name: `${MODEL}:latest` }] });
    gateway = await grid.startGateway(LOGGING);
    await grid.startWorker('hostile-worker', fixture);
    secured = await new AppProcess('gateway', {
      ...grid.redisEnv(),
      ...LOGGING,
      ADMIN_API_KEY: ADMIN_KEY,
    }).start();
    securedUrl = await secured.url;
  });

  afterAll(async () => {
    await secured?.stop('SIGKILL');
    await grid.stop();
  });

  describe('a Content-Encoding the body does not have', () => {
    const encodings = ['gzip', 'GZip', 'deflate', 'br', 'BR'];

    it.each(FAMILIES)('is a 400 in the $name family, for every encoding and any case', async (family) => {
      for (const encoding of encodings) {
        const response = await send(family.path, JSON.stringify(family.body), {
          'Content-Encoding': encoding,
        });

        expect(await refusal(response, 400, family.openAi)).toBe(
          `request body is not valid ${encoding.toLowerCase()} data, as its Content-Encoding says`,
        );
      }
    });

    it('is a 400 on /health too, and an unknown encoding is a 415', async () => {
      const health = await send('/health', '{}', { 'Content-Encoding': 'gzip' });
      const unknown = await send('/v1/completions', '{}', { 'Content-Encoding': 'x-gridllm-unknown' });

      expect(await refusal(health, 400, false)).toMatch(/not valid gzip data/);
      expect(await refusal(unknown, 415, true)).toBe('unsupported content encoding "x-gridllm-unknown"');
    });

    it('still decodes a body that really is gzip-encoded', async () => {
      const body = gzipSync(JSON.stringify({ model: MODEL, prompt: 'zipped', stream: false }));
      const response = await send('/api/generate', body, { 'Content-Encoding': 'gzip' });

      expect(response.status).toBe(200);
      expect(((await response.json()) as { done: boolean }).done).toBe(true);
    });

    it('is logged on the access line with its status, without the prompt', async () => {
      const requestId = 'hostile-encoding-1';
      const body = JSON.stringify({ model: MODEL, prompt: PROMPT_MARKER });
      const response = await send('/api/generate', body, {
        'Content-Encoding': 'gzip',
        'x-request-id': requestId,
      });
      expect(response.status).toBe(400);

      const line = await waitFor('access line', () =>
        gateway.logs
          .split('\n')
          .filter((text) => text.startsWith('{'))
          .map((text) => JSON.parse(text) as Record<string, unknown>)
          .find((entry) => entry.context === 'AccessLog' && entry.requestId === requestId),
      );
      expect(line).toMatchObject({ method: 'POST', route: '/api/generate', status: 400 });
      expect(gateway.logs).toMatch(
        /refused the body of POST \/api\/generate: request body is not valid gzip/,
      );
      expect(gateway.logs).not.toContain(PROMPT_MARKER);
    });

    it('with auth on, checks the credential first: 401 without or with a wrong key, 400 with a valid one', async () => {
      const body = JSON.stringify(FAMILIES[0].body);
      const gzip = { 'Content-Encoding': 'gzip' };
      const none = await send('/api/generate', body, gzip, securedUrl);
      const wrong = await send(
        '/api/generate',
        body,
        { ...gzip, Authorization: 'Bearer gllm_wrong' },
        securedUrl,
      );
      const wrongOpenAi = await send(
        '/v1/embeddings',
        body,
        { ...gzip, Authorization: 'Bearer x' },
        securedUrl,
      );
      const valid = await send(
        '/api/generate',
        body,
        { ...gzip, Authorization: `Bearer ${ADMIN_KEY}` },
        securedUrl,
      );

      expect(await refusal(none, 401, false)).toMatch(/missing API key/);
      expect(await refusal(wrong, 401, false)).toBe('invalid API key');
      expect(await refusal(wrongOpenAi, 401, true)).toBe('invalid API key');
      expect(await refusal(valid, 400, false)).toMatch(/not valid gzip data/);
    });

    it('with auth on, a malformed or too deep body from a wrong key is a 401 too', async () => {
      const wrong = { Authorization: 'Bearer gllm_wrong' };
      const malformed = await send('/api/chat', '{"model":', wrong, securedUrl);
      const deep = await send('/api/chat', nestedBody({ model: MODEL }, 'messages', 5000), wrong, securedUrl);

      expect(malformed.status).toBe(401);
      expect(deep.status).toBe(401);
    });
  });

  describe('JSON nested deeper than 64 levels', () => {
    it.each(FAMILIES)('is a 400 in the $name family, in any field', async (family) => {
      for (const field of ['options', 'messages', 'x_unknown_field']) {
        const response = await send(family.path, nestedBody(family.body, field, 10_000));

        expect(await refusal(response, 400, family.openAi)).toBe(
          'request body nests objects or arrays deeper than 64 levels',
        );
      }
    });

    it('is a 400 on the fleet-control path (a load request) and for model management', async () => {
      const load = await send('/api/generate', nestedBody({ model: MODEL }, 'format', 6000));
      const copy = await send('/api/copy', nestedBody({ source: MODEL, destination: 'b' }, 'extra', 6000));

      expect(await refusal(load, 400, false)).toMatch(/deeper than 64 levels/);
      expect(await refusal(copy, 400, false)).toMatch(/deeper than 64 levels/);
    });

    it('accepts a body exactly 64 levels deep and passes it on', async () => {
      // The body object is level 1, so the field holds 63 levels.
      const response = await send(
        '/api/generate',
        nestedBody({ ...FAMILIES[0].body, prompt: 'deep-ok' }, 'x_deep', 63),
      );

      expect(response.status).toBe(200);
      const received = fixture.requests.find(
        (request) => (request.body as { prompt?: string })?.prompt === 'deep-ok',
      );
      expect(JSON.stringify((received?.body as { x_deep?: unknown })?.x_deep)).toBe(
        `${'['.repeat(63)}${']'.repeat(63)}`,
      );
    });
  });

  describe('numbers without bounds', () => {
    const huge = [1e308, 2 ** 53, 2_147_483_648];

    it('refuses a num_predict beyond 32 bits in the Ollama and native families', async () => {
      for (const numPredict of huge) {
        for (const family of FAMILIES.filter((candidate) => !candidate.openAi)) {
          const body = { ...family.body, options: { num_predict: numPredict } };
          const response = await postJson(`${grid.gatewayUrl}${family.path}`, body);

          expect(await refusal(response, 400, false)).toBe(
            'options.num_predict must be an integer from -2 to 2147483647',
          );
        }
      }
    });

    it('refuses max_tokens, seed and temperature out of range in the OpenAI family', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ max_tokens: 1e308 }, 'max_tokens must be an integer from -2 to 2147483647'],
        [
          { max_completion_tokens: 2 ** 53 },
          'max_completion_tokens must be an integer from -2 to 2147483647',
        ],
        [{ seed: 2 ** 53 }, 'seed must be an integer from -2147483648 to 4294967295'],
        [{ temperature: 1e308 }, 'temperature must be a number from'],
      ];
      for (const [fields, message] of cases) {
        const response = await postJson(`${grid.gatewayUrl}/v1/chat/completions`, {
          ...FAMILIES[2].body,
          ...fields,
        });

        expect(await refusal(response, 400, true)).toContain(message);
      }
    });

    it('refuses other numbers the engine cannot hold: num_ctx, keep_alive, context, top_logprobs, dimensions', async () => {
      const generate = FAMILIES[0].body;
      const cases: Array<[string, Record<string, unknown>]> = [
        ['/api/generate', { ...generate, options: { num_ctx: 1e20 } }],
        ['/api/generate', { ...generate, keep_alive: 1e308 }],
        ['/api/generate', { ...generate, context: [2 ** 53] }],
        ['/api/chat', { ...FAMILIES[1].body, top_logprobs: 1e9 }],
        ['/api/embed', { model: MODEL, input: 'x', dimensions: 1e300 }],
      ];
      for (const [path, body] of cases) {
        expect((await postJson(`${grid.gatewayUrl}${path}`, body)).status).toBe(400);
      }
    });

    it("keeps Ollama's -1 (no limit) and -2 (fill the context) and passes them on", async () => {
      for (const numPredict of [-1, -2]) {
        const prompt = `special-${numPredict}`;
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
          model: MODEL,
          prompt,
          stream: false,
          options: { num_predict: numPredict },
        });

        expect(response.status).toBe(200);
        const received = fixture.requests.find(
          (request) => (request.body as { prompt?: string })?.prompt === prompt,
        );
        expect((received?.body as { options?: unknown })?.options).toEqual({ num_predict: numPredict });
      }
    });
  });

  describe('model names', () => {
    const hostile = [
      '$(touch /tmp/pwned)',
      '<img src=x onerror=alert(1)>',
      '../../etc/passwd',
      'a b',
      'x'.repeat(81),
    ];

    it.each([
      ['/api/copy', (name: string) => ({ source: MODEL, destination: name })],
      ['/api/copy', (name: string) => ({ source: name, destination: 'copy' })],
      ['/api/pull', (name: string) => ({ model: name })],
      ['/api/create', (name: string) => ({ model: name, from: MODEL })],
      ['/api/push', (name: string) => ({ name })],
      ['/api/show', (name: string) => ({ model: name })],
      ['/api/embed', (name: string) => ({ model: name, input: 'x' })],
      ['/api/generate', (name: string) => ({ model: name })],
      ['/inference', (name: string) => ({ model: name, prompt: 'x' })],
      ['/v1/completions', (name: string) => ({ model: name, prompt: 'x' })],
    ])('%s refuses names Ollama would refuse with 400', async (path, bodyOf) => {
      for (const name of hostile) {
        const response = await postJson(`${grid.gatewayUrl}${path}`, bodyOf(name));

        expect(await refusal(response, 400, path.startsWith('/v1'))).toMatch(/^invalid model name in \w+ "/);
      }
    });

    it('DELETE /api/delete, GET /v1/models/{model} and key allowlists refuse them too', async () => {
      const name = hostile[1];
      const deleted = await fetch(`${grid.gatewayUrl}/api/delete`, {
        method: 'DELETE',
        body: JSON.stringify({ name }),
      });
      const retrieved = await fetch(`${grid.gatewayUrl}/v1/models/${encodeURIComponent(name)}`);
      const key = await postJson(
        `${securedUrl}/admin/keys`,
        { name: 'k', models: [name] },
        { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_KEY}` } },
      );

      expect(await refusal(deleted, 400, false)).toMatch(/^invalid model name in name "/);
      expect(await refusal(retrieved, 400, true)).toMatch(/^invalid model name in model "/);
      expect(await refusal(key, 400, false)).toMatch(/^invalid model name in models "/);
    });

    it('accepts the names Ollama accepts (host, namespace, tag) and lists no refused name', async () => {
      const names = ['llama3.2:latest', 'library/llama3.2', 'registry.ollama.ai/library/llama3.2:latest'];
      for (const model of names) {
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
          model,
          prompt: 'x',
          stream: false,
        });
        expect(response.status).toBe(200);
      }
      const tags = await (await fetch(`${grid.gatewayUrl}/api/tags`)).text();
      expect(tags).not.toMatch(/onerror|touch|passwd/);
    });
  });

  describe('echoes', () => {
    it('quotes at most 100 characters of a 1 MB model name, in every family', async () => {
      const name = 'm'.repeat(1_000_000);
      for (const family of FAMILIES) {
        const response = await postJson(`${grid.gatewayUrl}${family.path}`, { ...family.body, model: name });
        const message = await refusal(response, 400, family.openAi);

        expect(message).toBe(
          `invalid model name in model "${'m'.repeat(100)}… (1000000 characters)": the model is longer than 80 characters`,
        );
      }
    });

    it('a 404 for an unknown model quotes the name, and a long unknown path is cut', async () => {
      const unknown = await postJson(`${grid.gatewayUrl}/api/show`, { model: 'n'.repeat(80) });
      const path = await fetch(`${grid.gatewayUrl}/api/${'p'.repeat(8000)}`, { method: 'POST', body: '{}' });

      expect(await refusal(unknown, 404, false)).toBe(
        `model "${'n'.repeat(80)}" not found, try pulling it first`,
      );
      const message = await refusal(path, 404, false);
      expect(message.length).toBeLessThan(1100);
      expect(message).toMatch(/… \(cut from \d+ characters\)$/);
    });
  });
});
