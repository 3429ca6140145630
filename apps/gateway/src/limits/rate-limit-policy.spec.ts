import type { Request } from 'express';

import { parseGridConfig } from '@gridllm/config';
import { Principal } from '@gridllm/contracts';

import { RateLimitPolicy } from './rate-limit-policy';

const policyWith = (env: Record<string, string> = {}) => new RateLimitPolicy(parseGridConfig(env).security);
const request = (path: string, ip: string, user?: Partial<Principal>) =>
  ({ path, ip, user, socket: {} }) as unknown as Request;
const apiKey = (rateLimit?: Principal['rateLimit']): Partial<Principal> => ({
  kind: 'api-key',
  id: 'key_abc',
  scopes: ['inference'],
  rateLimit,
});

describe(RateLimitPolicy.name, () => {
  describe('limitFor', () => {
    it('limits nothing by default', () => {
      expect(policyWith().limitFor(request('/api/generate', '10.0.0.1', apiKey()))).toBeNull();
    });

    it('counts a client without a principal by its address, with the global limit', () => {
      const sut = policyWith({ RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW: '30' });

      expect(sut.limitFor(request('/api/generate', '10.0.0.1'))).toEqual({
        requests: 5,
        windowSeconds: 30,
        tracker: 'ip:10.0.0.1',
        subject: 'client 10.0.0.1',
      });
    });

    it('counts an IPv4 client the same whether or not the socket maps it into IPv6', () => {
      const sut = policyWith({ RATE_LIMIT_REQUESTS: '5' });

      expect(sut.limitFor(request('/v1/models', '::ffff:10.0.0.1'))?.tracker).toBe('ip:10.0.0.1');
    });

    it('counts IPv6 clients of one /64 together', () => {
      const sut = policyWith({ RATE_LIMIT_REQUESTS: '5' });
      const first = sut.limitFor(request('/api/chat', '2001:db8:1:2::a'))?.tracker;
      const second = sut.limitFor(request('/api/chat', '2001:db8:1:2:ffff::b'))?.tracker;

      expect(first).toBe('ip:2001:db8:1:2::/64');
      expect(second).toBe(first);
    });

    it("counts a key by its id and names it, with the key's own limit over the global one", () => {
      const sut = policyWith({ RATE_LIMIT_REQUESTS: '100' });

      expect(
        sut.limitFor(request('/api/chat', '10.0.0.1', apiKey({ requests: 3, windowSeconds: 10 }))),
      ).toEqual({
        requests: 3,
        windowSeconds: 10,
        tracker: 'key_abc',
        subject: 'key key_abc',
      });
    });

    it('limits a key that has its own limit also when the global one is off', () => {
      const limit = policyWith().limitFor(
        request('/api/chat', '10.0.0.1', apiKey({ requests: 3, windowSeconds: 60 })),
      );

      expect(limit?.requests).toBe(3);
    });

    it('leaves a key whose own limit is 0 unlimited', () => {
      const sut = policyWith({ RATE_LIMIT_REQUESTS: '5' });

      expect(
        sut.limitFor(request('/api/chat', '10.0.0.1', apiKey({ requests: 0, windowSeconds: 60 }))),
      ).toBeNull();
    });

    it('gives a key without its own limit the global one', () => {
      const sut = policyWith({ RATE_LIMIT_REQUESTS: '7', RATE_LIMIT_WINDOW: '20' });

      expect(sut.limitFor(request('/api/chat', '10.0.0.1', apiKey()))).toMatchObject({
        requests: 7,
        windowSeconds: 20,
        tracker: 'key_abc',
      });
    });

    it('counts a token subject and the admin key by their ids', () => {
      const sut = policyWith({ RATE_LIMIT_REQUESTS: '5' });
      const jwt = sut.limitFor(
        request('/api/chat', '10.0.0.1', { kind: 'jwt', id: 'jwt:alice', scopes: [] }),
      );
      const admin = sut.limitFor(
        request('/admin/keys', '10.0.0.1', { kind: 'admin-key', id: 'admin', scopes: [] }),
      );

      expect(jwt).toMatchObject({ tracker: 'jwt:alice', subject: 'jwt:alice' });
      expect(admin).toMatchObject({ tracker: 'admin', subject: 'admin' });
    });

    it.each([
      '/health',
      '/health/live',
      '/health/ready',
      '/docs',
      '/docs-json',
      '/docs/swagger-ui.css',
      '/metrics',
    ])('never limits %s', (path) => {
      expect(policyWith({ RATE_LIMIT_REQUESTS: '1' }).limitFor(request(path, '10.0.0.1'))).toBeNull();
    });

    it.each(['/api/generate', '/v1/chat/completions', '/inference', '/healthcheck', '/ollama/api/tags'])(
      'limits %s',
      (path) => {
        expect(policyWith({ RATE_LIMIT_REQUESTS: '1' }).limitFor(request(path, '10.0.0.1'))).not.toBeNull();
      },
    );
  });
});
