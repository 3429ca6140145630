import { gzipSync } from 'node:zlib';

import {
  ADMIN_KEY,
  FAMILIES,
  HostileGrid,
  MODEL,
  PROMPT_MARKER,
  nestedBody,
  refusal,
} from '../support/hostile-grid';
import { waitFor } from '../support/wait-for';

describe('Hostile input: bodies', () => {
  const grid = new HostileGrid();

  beforeAll(() => grid.startAll());
  afterAll(() => grid.stop());

  describe('a Content-Encoding the body does not have', () => {
    const encodings = ['gzip', 'GZip', 'deflate', 'br', 'BR'];

    it.each(FAMILIES)('is a 400 in the $name family, for every encoding and any case', async (family) => {
      for (const encoding of encodings) {
        const response = await grid.send(family.path, JSON.stringify(family.body), {
          'Content-Encoding': encoding,
        });

        expect(await refusal(response, 400, family.openAi)).toBe(
          `request body is not valid ${encoding.toLowerCase()} data, as its Content-Encoding says`,
        );
      }
    });

    it('is a 400 on /health too, and an unknown encoding is a 415', async () => {
      const health = await grid.send('/health', '{}', { 'Content-Encoding': 'gzip' });
      const unknown = await grid.send('/v1/completions', '{}', { 'Content-Encoding': 'x-gridllm-unknown' });

      expect(await refusal(health, 400, false)).toMatch(/not valid gzip data/);
      expect(await refusal(unknown, 415, true)).toBe('unsupported content encoding "x-gridllm-unknown"');
    });

    it('still decodes a body that really is gzip-encoded', async () => {
      const body = gzipSync(JSON.stringify({ model: MODEL, prompt: 'zipped', stream: false }));
      const response = await grid.send('/api/generate', body, { 'Content-Encoding': 'gzip' });

      expect(response.status).toBe(200);
      expect(((await response.json()) as { done: boolean }).done).toBe(true);
    });

    it('is logged on the access line with its status, without the prompt', async () => {
      const requestId = 'hostile-encoding-1';
      const body = JSON.stringify({ model: MODEL, prompt: PROMPT_MARKER });
      const response = await grid.send('/api/generate', body, {
        'Content-Encoding': 'gzip',
        'x-request-id': requestId,
      });
      expect(response.status).toBe(400);

      const line = await waitFor('access line', () =>
        grid.plain.logs
          .split('\n')
          .filter((text) => text.startsWith('{'))
          .map((text) => JSON.parse(text) as Record<string, unknown>)
          .find((entry) => entry.context === 'AccessLog' && entry.requestId === requestId),
      );
      expect(line).toMatchObject({ method: 'POST', route: '/api/generate', status: 400 });
      expect(grid.plain.logs).toMatch(
        /refused the body of POST \/api\/generate: request body is not valid gzip/,
      );
      expect(grid.plain.logs).not.toContain(PROMPT_MARKER);
    });

    it('with auth on, checks the credential first: 401 without or with a wrong key, 400 with a valid one', async () => {
      const body = JSON.stringify(FAMILIES[0].body);
      const gzip = { 'Content-Encoding': 'gzip' };
      const none = await grid.send('/api/generate', body, gzip, grid.securedUrl);
      const wrong = await grid.send(
        '/api/generate',
        body,
        { ...gzip, Authorization: 'Bearer gllm_wrong' },
        grid.securedUrl,
      );
      const wrongOpenAi = await grid.send(
        '/v1/embeddings',
        body,
        { ...gzip, Authorization: 'Bearer x' },
        grid.securedUrl,
      );
      const valid = await grid.send(
        '/api/generate',
        body,
        { ...gzip, Authorization: `Bearer ${ADMIN_KEY}` },
        grid.securedUrl,
      );

      expect(await refusal(none, 401, false)).toMatch(/missing API key/);
      expect(await refusal(wrong, 401, false)).toBe('invalid API key');
      expect(await refusal(wrongOpenAi, 401, true)).toBe('invalid API key');
      expect(await refusal(valid, 400, false)).toMatch(/not valid gzip data/);
    });

    it('with auth on, a malformed or too deep body from a wrong key is a 401 too', async () => {
      const wrong = { Authorization: 'Bearer gllm_wrong' };
      const malformed = await grid.send('/api/chat', '{"model":', wrong, grid.securedUrl);
      const deep = await grid.send(
        '/api/chat',
        nestedBody({ model: MODEL }, 'messages', 5000),
        wrong,
        grid.securedUrl,
      );

      expect(malformed.status).toBe(401);
      expect(deep.status).toBe(401);
    });
  });

  describe('JSON nested deeper than 64 levels', () => {
    it.each(FAMILIES)('is a 400 in the $name family, in any field', async (family) => {
      for (const field of ['options', 'messages', 'x_unknown_field']) {
        const response = await grid.send(family.path, nestedBody(family.body, field, 10_000));

        expect(await refusal(response, 400, family.openAi)).toBe(
          'request body nests objects or arrays deeper than 64 levels',
        );
      }
    });

    it('is a 400 on the fleet-control path (a load request) and for model management', async () => {
      const load = await grid.send('/api/generate', nestedBody({ model: MODEL }, 'format', 6000));
      const copy = await grid.send(
        '/api/copy',
        nestedBody({ source: MODEL, destination: 'b' }, 'extra', 6000),
      );

      expect(await refusal(load, 400, false)).toMatch(/deeper than 64 levels/);
      expect(await refusal(copy, 400, false)).toMatch(/deeper than 64 levels/);
    });

    it('accepts a body exactly 64 levels deep and passes it on', async () => {
      // The body object is level 1, so the field holds 63 levels.
      const response = await grid.send(
        '/api/generate',
        nestedBody({ ...FAMILIES[0].body, prompt: 'deep-ok' }, 'x_deep', 63),
      );

      expect(response.status).toBe(200);
      const received = grid.fixture.requests.find(
        (request) => (request.body as { prompt?: string })?.prompt === 'deep-ok',
      );
      expect(JSON.stringify((received?.body as { x_deep?: unknown })?.x_deep)).toBe(
        `${'['.repeat(63)}${']'.repeat(63)}`,
      );
    });
  });
});
