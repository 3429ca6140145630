import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { sign } from 'jsonwebtoken';
import { Ollama } from 'ollama';
import OpenAI from 'openai';

import { AppProcess } from '../support/app-process';
import { dumpRedis } from '../support/redis-dump';
import { TestGrid, jsonOf, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const ADMIN_KEY = 'admin-key-for-access-tests-0123456789';
const JWT_SECRET = 'an-hs256-secret-of-at-least-32-characters!!';
const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'gridllm';

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

interface IssuedKey {
  key: string;
  id: string;
}

type Scope = 'inference' | 'models:manage' | 'admin';

/** The scope each route family needs: the access rules as the issue states them. */
function scopeOf(method: string, path: string): Scope | 'public' {
  if (/^\/(health|metrics)/.test(path)) return 'public';
  if (path.startsWith('/admin')) return 'admin';
  if (/\/api\/(delete|copy|pull|push|create|blobs)/.test(path)) return 'models:manage';
  return 'inference';
}

/** A harmless request for a documented route: unknown ids, empty bodies (validation answers, nothing changes). */
function requestFor(method: string, path: string, headers: Record<string, string>): [string, RequestInit] {
  const concrete = path.replace(/\{[^}]+\}/g, 'does-not-exist');
  const init: RequestInit = { method: method.toUpperCase(), headers: { ...headers } };
  if (['POST', 'PUT', 'DELETE'].includes(init.method as string) && !/\/(keys|workers)\//.test(path)) {
    init.body = '{}';
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  return [concrete, init];
}

function errorMessageOf(path: string, body: unknown): string {
  const error = (body as { error?: unknown }).error;
  if (/^\/(ollama\/)?v1\//.test(path)) return (error as { message: string }).message;
  return error as string;
}

describe('Access control', () => {
  const grid = new TestGrid();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const issued: string[] = [];
  let routes: Array<{ method: string; path: string }>;
  let inferenceKey: IssuedKey;
  let restrictedKey: IssuedKey;
  let managerKey: IssuedKey;
  let adminKey: IssuedKey;

  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
  const adminHeaders = bearer(ADMIN_KEY);

  async function createKey(spec: Record<string, unknown>): Promise<IssuedKey> {
    const response = await postJson(`${grid.gatewayUrl}/admin/keys`, spec, {
      headers: { ...adminHeaders, 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as IssuedKey;
    issued.push(body.key);
    return body;
  }

  const hsToken = (claims: Record<string, unknown>, options: { secret?: string; expiresIn?: number } = {}) =>
    sign(claims, options.secret ?? JWT_SECRET, {
      algorithm: 'HS256',
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: options.expiresIn ?? 300,
    });

  const generate = (headers: Record<string, string>, model = 'llama3.2') =>
    postJson(
      `${grid.gatewayUrl}/api/generate`,
      { model, prompt: 'hi', stream: false },
      { headers: { ...headers, 'Content-Type': 'application/json' } },
    );

  beforeAll(async () => {
    await grid.start();
    const fixture = await grid.startFixture({ models: [{ name: 'llama3.2' }, { name: 'private-model' }] });
    await grid.startGateway({
      ADMIN_API_KEY: ADMIN_KEY,
      JWT_SECRET,
      JWT_PUBLIC_KEY: publicPem,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      METRICS_TOKEN: 'metrics-token-123',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
    await grid.startWorker('w1', fixture);
    const document = (await (await fetch(`${grid.gatewayUrl}/docs-json`)).json()) as OpenApiDocument;
    routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => ({ method, path })),
    );
    inferenceKey = await createKey({ name: 'app', scopes: ['inference'] });
    restrictedKey = await createKey({ name: 'narrow', scopes: ['inference'], models: ['llama3.2'] });
    managerKey = await createKey({ name: 'ops', scopes: ['models:manage'] });
    adminKey = await createKey({ name: 'root', scopes: ['admin'] });
  });

  afterAll(() => grid.stop());

  describe('every documented route', () => {
    it('is documented in enough number to mean something', () => {
      expect(routes.length).toBeGreaterThan(40);
    });

    it('answers 401 without credentials and with a wrong key, in the family’s error shape', async () => {
      const failures: string[] = [];
      for (const { method, path } of routes) {
        if (scopeOf(method, path) === 'public') continue;
        const attempts: Array<Record<string, string>> = [
          {},
          bearer('gllm_wrong'),
          { 'x-api-key': 'not-a-key' },
        ];
        for (const headers of attempts) {
          const [url, init] = requestFor(method, path, headers);
          const response = await fetch(`${grid.gatewayUrl}${url}`, init);
          // HEAD answers carry no body: the status and the challenge header must say it.
          const message =
            method === 'head' ? 'API key' : errorMessageOf(path, await response.json().catch(() => ({})));
          const challenged = response.headers.get('www-authenticate') === 'Bearer';
          if (response.status !== 401 || !challenged || !/API key/.test(message ?? '')) {
            failures.push(`${method} ${path} ${JSON.stringify(headers)} → ${response.status}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('lets the right scope through and answers 403 to a key without it', async () => {
      const keyFor: Record<Scope, IssuedKey> = {
        inference: inferenceKey,
        'models:manage': managerKey,
        admin: adminKey,
      };
      const failures: string[] = [];
      for (const { method, path } of routes) {
        const scope = scopeOf(method, path);
        if (scope === 'public') continue;
        for (const [held, key] of Object.entries(keyFor) as Array<[Scope, IssuedKey]>) {
          const [url, init] = requestFor(method, path, bearer(key.key));
          const response = await fetch(`${grid.gatewayUrl}${url}`, init);
          // An event stream (the dashboard's /admin/events) never ends: its status is the answer.
          if (response.headers.get('content-type')?.startsWith('text/event-stream'))
            await response.body?.cancel();
          else await response.arrayBuffer();
          const allowed = held === scope || held === 'admin';
          const ok = allowed ? ![401, 403].includes(response.status) : response.status === 403;
          if (!ok) failures.push(`${method} ${path} with ${held} → ${response.status}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('refuses a request without credentials before reading its body', async () => {
      // Without credentials the body is never parsed: malformed JSON gets 401, not 400.
      const anonymous = await postJson(`${grid.gatewayUrl}/api/generate`, '{not json');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(anonymous.headers.get('x-content-type-options')).toBe('nosniff');
      const openAi = await postJson(`${grid.gatewayUrl}/v1/chat/completions`, '{not json');
      expect(await openAi.json()).toMatchObject({ error: { type: 'authentication_error' } });
      const withKey = await postJson(`${grid.gatewayUrl}/api/generate`, '{not json', {
        headers: { ...bearer(inferenceKey.key), 'Content-Type': 'application/json' },
      });
      expect(withKey.status).toBe(400);
      const preflight = await fetch(`${grid.gatewayUrl}/api/chat`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBeTruthy();
    });

    it('keeps health probes and the docs open, and /metrics behind METRICS_TOKEN', async () => {
      expect((await fetch(`${grid.gatewayUrl}/health/live`)).status).toBe(200);
      expect((await fetch(`${grid.gatewayUrl}/health/ready`)).status).toBe(200);
      expect((await fetch(`${grid.gatewayUrl}/docs-json`)).status).toBe(200);
      expect((await fetch(`${grid.gatewayUrl}/metrics`)).status).toBe(401);
      expect((await fetch(`${grid.gatewayUrl}/metrics`, { headers: bearer(adminKey.key) })).status).toBe(401);
      const scraped = await fetch(`${grid.gatewayUrl}/metrics`, { headers: bearer('metrics-token-123') });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('# TYPE');
    });
  });

  describe('model allowlist', () => {
    it('serves the allowed model and refuses another with 403 in both shapes', async () => {
      const allowed = await generate(bearer(restrictedKey.key), 'llama3.2:latest');
      expect(allowed.status).toBe(200);
      expect((await jsonOf(allowed)).done).toBe(true);

      const refused = await generate(bearer(restrictedKey.key), 'private-model');
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        error: `key ${restrictedKey.id} may not use model 'private-model'`,
      });

      const openAi = await postJson(
        `${grid.gatewayUrl}/v1/chat/completions`,
        { model: 'private-model', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { ...bearer(restrictedKey.key), 'Content-Type': 'application/json' } },
      );
      expect(openAi.status).toBe(403);
      expect(await openAi.json()).toMatchObject({ error: { type: 'permission_error' } });
    });
  });

  describe('listings and jobs', () => {
    it('lists only the models a restricted key may use', async () => {
      const headers = bearer(restrictedKey.key);
      const tags = (await (await fetch(`${grid.gatewayUrl}/api/tags`, { headers })).json()) as {
        models: Array<{ name: string }>;
      };
      expect(tags.models.map((m) => m.name)).toEqual(['llama3.2:latest']);
      const all = (await (
        await fetch(`${grid.gatewayUrl}/api/tags`, { headers: bearer(inferenceKey.key) })
      ).json()) as { models: Array<{ name: string }> };
      expect(all.models.map((m) => m.name).sort()).toEqual(['llama3.2:latest', 'private-model:latest']);
      const openAi = (await (await fetch(`${grid.gatewayUrl}/v1/models`, { headers })).json()) as {
        data: Array<{ id: string }>;
      };
      expect(openAi.data.map((m) => m.id)).toEqual(['llama3.2:latest']);
      expect((await fetch(`${grid.gatewayUrl}/v1/models/private-model`, { headers })).status).toBe(404);
    });

    it('tells a caller who it is, what it may do and what it has used (GET /inference/me)', async () => {
      const me = (key: string) => fetch(`${grid.gatewayUrl}/inference/me`, { headers: bearer(key) });
      expect((await generate(bearer(restrictedKey.key))).status).toBe(200);
      const answer = await waitFor('usage of the restricted key', async () => {
        const body = (await (await me(restrictedKey.key)).json()) as {
          caller: Record<string, unknown>;
          usage: { owner: string; total: { requests: number; models: Record<string, unknown> } };
        };
        return body.usage.total.requests > 0 && body;
      });
      expect(answer.caller).toMatchObject({
        kind: 'api-key',
        id: restrictedKey.id,
        name: 'narrow',
        scopes: ['inference'],
        models: ['llama3.2:latest'],
      });
      expect(answer.usage.owner).toBe(restrictedKey.id);
      expect(Object.keys(answer.usage.total.models)).toEqual(['llama3.2:latest']);
      const token = hsToken({ sub: 'self', scope: 'inference' });
      expect(await (await me(token)).json()).toMatchObject({ caller: { kind: 'jwt', id: 'jwt:self' } });
      expect((await fetch(`${grid.gatewayUrl}/inference/me`)).status).toBe(401);
    });

    it('keeps native-API jobs private to their owner (admins see all)', async () => {
      const submitted = await postJson(
        `${grid.gatewayUrl}/inference`,
        { model: 'llama3.2', prompt: 'mine', async: true },
        { headers: { ...bearer(inferenceKey.key), 'Content-Type': 'application/json' } },
      );
      const { id } = (await submitted.json()) as { id: string };
      const status = (key: string) =>
        fetch(`${grid.gatewayUrl}/inference/${id}/status`, { headers: bearer(key) });
      expect((await status(inferenceKey.key)).status).toBe(200);
      expect((await status(adminKey.key)).status).toBe(200);
      const stranger = await status(restrictedKey.key);
      expect(stranger.status).toBe(404);
      expect((await jsonOf(stranger)).error).toContain(id);
      const cancel = await fetch(`${grid.gatewayUrl}/inference/${id}`, {
        method: 'DELETE',
        headers: bearer(restrictedKey.key),
      });
      expect(cancel.status).toBe(404);
      const stream = await fetch(`${grid.gatewayUrl}/inference/${id}/stream`, {
        headers: bearer(restrictedKey.key),
      });
      expect(stream.status).toBe(404);
    });
  });

  describe('priority cap', () => {
    it('lowers a priority above the cap and says so', async () => {
      const capped = await createKey({ name: 'batch', scopes: ['inference'], maxPriority: 'low' });
      const response = await postJson(
        `${grid.gatewayUrl}/inference`,
        { model: 'llama3.2', prompt: 'hi', priority: 'high', async: true },
        { headers: { ...bearer(capped.key), 'Content-Type': 'application/json' } },
      );
      expect(response.status).toBe(202);
      expect(response.headers.get('x-gridllm-priority-capped')).toBe('high->low');
      const { id } = (await response.json()) as { id: string };
      const status = await fetch(`${grid.gatewayUrl}/inference/${id}/status`, {
        headers: bearer(capped.key),
      });
      expect(await status.json()).toMatchObject({ priority: 'low' });

      const withinCap = await postJson(
        `${grid.gatewayUrl}/inference`,
        { model: 'llama3.2', prompt: 'hi', priority: 'low', async: true },
        { headers: { ...bearer(capped.key), 'Content-Type': 'application/json' } },
      );
      expect(withinCap.status).toBe(202);
      expect(withinCap.headers.get('x-gridllm-priority-capped')).toBeNull();
    });
  });

  describe('key lifecycle', () => {
    it('rotates: the old secret stops working, the new one works, the id and settings stay', async () => {
      const key = await createKey({ name: 'rotating', scopes: ['inference'], models: ['llama3.2'] });
      expect((await generate(bearer(key.key))).status).toBe(200);
      const response = await fetch(`${grid.gatewayUrl}/admin/keys/${key.id}/rotate`, {
        method: 'POST',
        headers: adminHeaders,
      });
      expect(response.status).toBe(200);
      const rotated = (await response.json()) as IssuedKey & { models: string[] };
      issued.push(rotated.key);
      expect(rotated).toMatchObject({ id: key.id, models: ['llama3.2:latest'] });
      expect(rotated.key).not.toBe(key.key);
      expect((await generate(bearer(key.key))).status).toBe(401);
      expect((await generate(bearer(rotated.key))).status).toBe(200);
    });

    it('revokes: the key stops working at once and is listed as revoked, without secrets', async () => {
      const key = await createKey({ name: 'short-lived', scopes: ['inference'] });
      expect((await generate({ 'x-api-key': key.key })).status).toBe(200);
      const revoked = await fetch(`${grid.gatewayUrl}/admin/keys/${key.id}`, {
        method: 'DELETE',
        headers: adminHeaders,
      });
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ id: key.id, revokedAt: expect.any(String) });
      expect((await generate({ 'x-api-key': key.key })).status).toBe(401);

      const listed = await (await fetch(`${grid.gatewayUrl}/admin/keys`, { headers: adminHeaders })).text();
      expect(listed).toContain(key.id);
      for (const secret of issued) expect(listed).not.toContain(secret);
      const one = (await (
        await fetch(`${grid.gatewayUrl}/admin/keys/${inferenceKey.id}`, { headers: adminHeaders })
      ).json()) as Record<string, unknown>;
      expect(one).toMatchObject({ id: inferenceKey.id, name: 'app', scopes: ['inference'] });
      expect(one.lastUsedAt).toEqual(expect.any(String));
      expect(one).not.toHaveProperty('key');
    });

    it('expires a key at its expiresAt, saying so', async () => {
      const expiresAt = new Date(Date.now() + 1500).toISOString();
      const key = await createKey({ name: 'temporary', scopes: ['inference'], expiresAt });
      expect((await generate(bearer(key.key))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1700));
      const expired = await generate(bearer(key.key));
      expect(expired.status).toBe(401);
      expect((await jsonOf(expired)).error).toBe(`API key ${key.id} expired at ${expiresAt}`);
      const past = await postJson(
        `${grid.gatewayUrl}/admin/keys`,
        { name: 'stale', expiresAt: '2020-01-01T00:00:00Z' },
        { headers: { ...adminHeaders, 'Content-Type': 'application/json' } },
      );
      expect(past.status).toBe(400);
      expect((await jsonOf(past)).error).toBe('expiresAt must be in the future');
    });

    it('validates a new key and answers 404 for an unknown one', async () => {
      const bad = await postJson(
        `${grid.gatewayUrl}/admin/keys`,
        { name: 'x', scopes: ['root'], rateLimit: { requests: 0, windowSeconds: 60 } },
        { headers: { ...adminHeaders, 'Content-Type': 'application/json' } },
      );
      expect(bad.status).toBe(400);
      expect((await jsonOf(bad)).error).toMatch(/scopes may contain.*rateLimit.requests must be at least 1/);
      const unknown = await fetch(`${grid.gatewayUrl}/admin/keys/key_nope`, { headers: adminHeaders });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: "api key 'key_nope' not found" });
    });

    it('stores no secret anywhere in Redis (every key name and value scanned)', async () => {
      const redis = grid.redis.client();
      try {
        const everything = await dumpRedis(redis);
        expect(everything).toContain(inferenceKey.id);
        expect(issued.length).toBeGreaterThanOrEqual(6);
        for (const secret of [...issued, ADMIN_KEY]) expect(everything).not.toContain(secret);
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('JWT', () => {
    it('accepts an HS256 token with the right issuer and audience; its scope and models apply', async () => {
      const token = hsToken({ sub: 'alice', scope: 'inference', models: ['llama3.2'] });
      expect((await generate(bearer(token))).status).toBe(200);
      const other = await generate(bearer(token), 'private-model');
      expect(other.status).toBe(403);
      expect((await jsonOf(other)).error).toBe("token subject alice may not use model 'private-model'");
      const admin = await fetch(`${grid.gatewayUrl}/admin/workers`, { headers: bearer(token) });
      expect(admin.status).toBe(403);
    });

    it('refuses forged, expired, foreign and scope-less tokens', async () => {
      const cases: Array<[string, number, RegExp]> = [
        [hsToken({ sub: 'eve', scope: 'inference' }, { secret: 'x'.repeat(40) }), 401, /invalid signature/],
        [hsToken({ sub: 'bob', scope: 'inference' }, { expiresIn: -10 }), 401, /jwt expired/],
        [
          sign({ sub: 'bob', scope: 'inference' }, JWT_SECRET, {
            algorithm: 'HS256',
            issuer: ISSUER,
            audience: 'other',
          }),
          401,
          /audience invalid/,
        ],
        [
          sign({ sub: 'bob', scope: 'inference' }, JWT_SECRET, {
            algorithm: 'HS256',
            issuer: 'https://evil',
            audience: AUDIENCE,
          }),
          401,
          /issuer invalid/,
        ],
        // Algorithm confusion: the RSA public key used as an HMAC secret must not verify.
        [
          sign({ sub: 'mallory', scope: 'admin' }, publicPem, {
            algorithm: 'HS256',
            issuer: ISSUER,
            audience: AUDIENCE,
          }),
          401,
          /invalid signature/,
        ],
        [hsToken({ sub: 'carol' }), 403, /lacks the 'inference' scope/],
      ];
      for (const [token, status, message] of cases) {
        const response = await generate(bearer(token));
        expect(response.status).toBe(status);
        expect((await jsonOf(response)).error).toMatch(message);
      }
    });

    it('accepts RS256 tokens signed by the configured key pair only', async () => {
      const claims = { sub: 'service-a', scopes: ['inference', 'models:manage'] };
      const options = { algorithm: 'RS256' as const, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 };
      const good = sign(claims, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), options);
      const forged = sign(
        claims,
        otherRsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        options,
      );
      expect((await generate(bearer(good))).status).toBe(200);
      const tags = await fetch(`${grid.gatewayUrl}/api/tags`, { headers: { 'x-api-key': good } });
      expect(tags.status).toBe(200);
      const forgedAnswer = await generate(bearer(forged));
      expect(forgedAnswer.status).toBe(401);
      expect((await jsonOf(forgedAnswer)).error).toMatch(/invalid token: invalid signature/);
    });
  });

  describe('JWKS and binding', () => {
    it('verifies RS256 tokens against an identity provider’s JWKS document', async () => {
      const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'key-1', use: 'sig', alg: 'RS256' };
      const idp = createServer((req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
      const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
      const gateway = new AppProcess('gateway', {
        ...grid.redisEnv(),
        JWT_JWKS_URL: jwksUrl,
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
      });
      try {
        await gateway.start();
        const url = await gateway.url;
        const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        const options = { algorithm: 'RS256' as const, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 };
        const token = sign({ sub: 'svc', scope: 'inference' }, privatePem, { ...options, keyid: 'key-1' });
        const unknownKid = sign({ sub: 'svc', scope: 'inference' }, privatePem, {
          ...options,
          keyid: 'key-9',
        });
        const tags = (headers: Record<string, string>) => fetch(`${url}/api/tags`, { headers });
        expect((await tags(bearer(token))).status).toBe(200);
        expect((await tags(bearer(unknownKid))).status).toBe(401);
        expect((await tags({})).status).toBe(401);
      } finally {
        await gateway.stop();
        idp.close();
      }
    });

    it('refuses to expose a gateway without auth on a non-loopback HOST', async () => {
      const exposed = new AppProcess('gateway', { ...grid.redisEnv(), HOST: '0.0.0.0' });
      await expect(exposed.start()).rejects.toThrow(
        /HOST=0.0.0.0 would expose the gateway without authentication/,
      );
      expect(exposed.exited).toBe(true);
    });
  });

  describe('logs', () => {
    it('name the caller of each request by key id and never print a secret or a token', async () => {
      const token = hsToken({ sub: 'logged', scope: 'inference' });
      expect((await generate(bearer(inferenceKey.key))).status).toBe(200);
      expect((await generate(bearer(token))).status).toBe(200);
      expect((await generate(bearer('gllm_not-a-real-key'))).status).toBe(401);
      const lines = await waitFor('the access lines', () => {
        const access = grid.gateway!.logs.split('\n').filter((line) => line.includes('"AccessLog"'));
        return access.length > 0 && access;
      });
      const callers = lines.map((line) => (JSON.parse(line) as { caller?: string }).caller);
      expect(callers).toEqual(expect.arrayContaining([inferenceKey.id, 'jwt:logged', 'admin']));
      const everything = grid.gateway!.logs;
      for (const secret of [...issued, ADMIN_KEY, token, 'gllm_not-a-real-key', JWT_SECRET]) {
        expect(everything).not.toContain(secret);
      }
    });
  });

  describe('official clients with a key', () => {
    it('ollama-js chats with a key and surfaces 401 for a wrong one', async () => {
      const client = new Ollama({ host: `${grid.gatewayUrl}/ollama`, headers: bearer(inferenceKey.key) });
      const answer = await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] });
      expect(answer.done).toBe(true);
      expect(answer.message.content.length).toBeGreaterThan(0);
      const models = await client.list();
      expect(models.models.map((m) => m.name)).toContain('llama3.2:latest');

      const stranger = new Ollama({ host: `${grid.gatewayUrl}/ollama`, headers: bearer('gllm_stolen') });
      await expect(stranger.list()).rejects.toMatchObject({ status_code: 401, error: 'invalid API key' });
    });

    it('openai-node streams with a key and raises AuthenticationError for a wrong one', async () => {
      const client = new OpenAI({ baseURL: `${grid.gatewayUrl}/v1`, apiKey: inferenceKey.key });
      const stream = await client.chat.completions.create({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text.length).toBeGreaterThan(0);

      const stranger = new OpenAI({ baseURL: `${grid.gatewayUrl}/v1`, apiKey: 'gllm_stolen', maxRetries: 0 });
      const failure = await stranger.models.list().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(failure).toMatchObject({ status: 401, type: 'authentication_error' });
    });
  });
});
