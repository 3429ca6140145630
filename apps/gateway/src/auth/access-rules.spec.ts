import { ForbiddenError, Principal } from '@gridllm/contracts';

import { authorize, isPublicPath } from './access-rules';
import { looksLikeJwt, presentedCredential } from './credentials';
import { principalOfClaims } from './jwt-claims';
import { cappedPriority } from './principal';

const key = (overrides: Partial<Principal> = {}): Principal => ({
  kind: 'api-key',
  id: 'key_1',
  scopes: ['inference'],
  ...overrides,
});

describe('isPublicPath', () => {
  it.each(['/health', '/health/live', '/health/ready', '/metrics', '/docs', '/docs/', '/docs-json'])(
    'leaves %s open',
    (path) => expect(isPublicPath(path)).toBe(true),
  );

  it.each(['/', '/api/tags', '/v1/models', '/admin/keys', '/healthz', '/metrics/x', '/inference/health'])(
    'protects %s',
    (path) => expect(isPublicPath(path)).toBe(false),
  );
});

describe('authorize', () => {
  it('needs the route’s scope, and admin holds every scope', () => {
    expect(() => authorize(key(), 'inference', {})).not.toThrow();
    expect(() => authorize(key(), 'admin', {})).toThrow(
      "key key_1 lacks the 'admin' scope this endpoint needs",
    );
    expect(() => authorize(key({ scopes: ['models:manage'] }), 'inference', {})).toThrow(ForbiddenError);
    expect(() => authorize(key({ scopes: ['admin'] }), 'models:manage', {})).not.toThrow();
  });

  it('checks every model a body names against the allowlist, in normalised form', () => {
    const narrow = key({ scopes: ['inference', 'models:manage'], models: ['llama3.2:latest'] });
    expect(() => authorize(narrow, 'inference', { model: 'llama3.2' })).not.toThrow();
    expect(() =>
      authorize(narrow, 'inference', { model: 'registry.ollama.ai/library/llama3.2:latest' }),
    ).not.toThrow();
    expect(() => authorize(narrow, 'inference', { model: 'qwen3' })).toThrow(
      "key key_1 may not use model 'qwen3'",
    );
    expect(() => authorize(narrow, 'inference', { name: 'qwen3' })).toThrow(ForbiddenError);
    expect(() => authorize(narrow, 'models:manage', { source: 'llama3.2', destination: 'mine' })).toThrow(
      "may not use model 'mine'",
    );
    expect(() => authorize(narrow, 'inference', undefined)).not.toThrow();
  });
});

describe('credentials', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as never;

  it('reads a bearer token or x-api-key', () => {
    expect(presentedCredential(request({ authorization: 'Bearer gllm_abc' }))).toBe('gllm_abc');
    expect(presentedCredential(request({ authorization: 'bearer  gllm_abc ' }))).toBe('gllm_abc');
    expect(presentedCredential(request({ 'x-api-key': 'gllm_xyz' }))).toBe('gllm_xyz');
    expect(presentedCredential(request({ authorization: 'Basic dXNlcjpwYXNz' }))).toBeNull();
    expect(presentedCredential(request({}))).toBeNull();
  });

  it('tells a JWT from an API key', () => {
    expect(looksLikeJwt('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln')).toBe(true);
    expect(looksLikeJwt('gllm_mQGCHTBJi5CqKp1U4R7zDwOL2UCXEmEo0pII0zTeYWA')).toBe(false);
  });
});

describe('principalOfClaims', () => {
  it('maps sub, scopes, models, priority cap and concurrency', () => {
    expect(
      principalOfClaims({
        sub: 'alice',
        scope: 'inference bogus admin',
        models: ['llama3'],
        max_priority: 'low',
        max_concurrent: 2,
      }),
    ).toEqual({
      kind: 'jwt',
      id: 'jwt:alice',
      name: 'alice',
      scopes: ['inference', 'admin'],
      models: ['llama3:latest'],
      maxPriority: 'low',
      maxConcurrent: 2,
    });
    expect(principalOfClaims({ sub: 'svc', scp: ['models:manage'] })?.scopes).toEqual(['models:manage']);
    expect(principalOfClaims({ sub: 'nobody' })?.scopes).toEqual([]);
  });

  it('refuses a token without a subject', () => {
    expect(principalOfClaims({ scope: 'admin' })).toBeNull();
  });
});

describe('cappedPriority', () => {
  it('lowers what is above the cap and keeps what is not', () => {
    expect(cappedPriority('high', key({ maxPriority: 'medium' }))).toEqual({
      priority: 'medium',
      loweredFrom: 'high',
    });
    expect(cappedPriority(undefined, key({ maxPriority: 'low' }))).toEqual({
      priority: 'low',
      loweredFrom: 'medium',
    });
    expect(cappedPriority('low', key({ maxPriority: 'medium' }))).toEqual({ priority: 'low' });
    expect(cappedPriority('high', key())).toEqual({ priority: 'high' });
    expect(cappedPriority('high', undefined)).toEqual({ priority: 'high' });
  });
});
