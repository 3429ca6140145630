import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { parseGridConfig } from '@gridllm/config';
import { LimitExceededError, Principal } from '@gridllm/contracts';

import { RateCheckedAtSubmit, pendingRateCheck } from './deferred-rate-check';
import { RateCount, RateCounter } from './rate-counter';
import { RateLimitPolicy } from './rate-limit-policy';
import { RequestRateGuard, limitMessage } from './request-rate.guard';

/** Answers with `record` and remembers what it was asked; with `hold`, answers only when released. */
class FakeCounter implements Pick<RateCounter, 'increment'> {
  readonly calls: Array<{ key: string; ttl: number; limit: number; blockDuration: number }> = [];
  record: RateCount = { totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };
  hold: Promise<void> = Promise.resolve();

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<RateCount> {
    this.calls.push({ key, ttl, limit, blockDuration });
    await this.hold;
    return this.record;
  }
}

class Routes {
  plain(): void {}

  @RateCheckedAtSubmit()
  submitting(): void {}
}

const contextFor = (path: string, user?: Partial<Principal>, handler = Routes.prototype.plain) => {
  const headers = new Map<string, unknown>();
  const req = { path, ip: '10.0.0.1', user, headers: {}, socket: {} };
  const res = {
    headersSent: false,
    header(name: string, value: unknown) {
      if (this.headersSent) throw new Error('ERR_HTTP_HEADERS_SENT');
      headers.set(name, value);
    },
  };
  const context = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    getHandler: () => handler,
    getClass: () => Routes,
  } as unknown as ExecutionContext;
  return { context, headers, req, res };
};

const key = { kind: 'api-key', id: 'key_abc', scopes: ['inference'] } as const;

describe(RequestRateGuard.name, () => {
  let storage: FakeCounter;

  const guardWith = (env: { [name: string]: string }) => {
    const security = parseGridConfig(env).security;
    return new RequestRateGuard(
      new RateLimitPolicy(security),
      storage as unknown as RateCounter,
      new Reflector(),
    );
  };

  beforeEach(() => (storage = new FakeCounter()));

  describe('canActivate', () => {
    it('lets every request through without asking the store when no limit applies', async () => {
      const sut = guardWith({});

      await expect(sut.canActivate(contextFor('/api/chat', key).context)).resolves.toBe(true);
      expect(storage.calls).toEqual([]);
    });

    it('skips exempt routes without asking the store', async () => {
      const sut = guardWith({ RATE_LIMIT_REQUESTS: '1' });

      await expect(sut.canActivate(contextFor('/health/live').context)).resolves.toBe(true);
      expect(storage.calls).toEqual([]);
    });

    it("counts the principal's own limit in one counter for every route, in milliseconds", async () => {
      const sut = guardWith({ RATE_LIMIT_REQUESTS: '100' });
      const principal = { ...key, rateLimit: { requests: 3, windowSeconds: 20 } };

      await sut.canActivate(contextFor('/api/chat', principal).context);
      await sut.canActivate(contextFor('/v1/models', principal).context);

      const expected = { key: 'key_abc', ttl: 20000, limit: 3, blockDuration: 20000 };
      expect(storage.calls).toEqual([expected, expected]);
    });

    it('reports the remaining allowance on an allowed request', async () => {
      const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
      storage.record = { totalHits: 2, timeToExpire: 41, isBlocked: false, timeToBlockExpire: 0 };
      const { context, headers } = contextFor('/api/chat');

      await sut.canActivate(context);

      expect(Object.fromEntries(headers)).toEqual({
        'X-RateLimit-Limit': '5',
        'X-RateLimit-Remaining': '3',
        'X-RateLimit-Reset': '41',
      });
    });

    it('refuses a blocked client with a LimitExceededError naming the limit, the key and the wait', async () => {
      const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
      storage.record = { totalHits: 6, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 42 };

      const refusal = sut.canActivate(contextFor('/api/chat', key).context);

      await expect(refusal).rejects.toThrow(LimitExceededError);
      await expect(refusal).rejects.toMatchObject({
        status: 429,
        retryAfterSeconds: 42,
        message: 'rate limit exceeded: 5 requests per 60 s for key key_abc; retry in 42 s',
      });
    });

    describe('on a route that checks its rate at submit', () => {
      it('lets the request on while the count is on its way, and leaves the check with the handler', async () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        let release = () => undefined as void;
        storage.hold = new Promise<void>((resolve) => (release = resolve));
        storage.record = { totalHits: 2, timeToExpire: 41, isBlocked: false, timeToBlockExpire: 0 };
        const { context, headers, req } = contextFor('/api/generate', key, Routes.prototype.submitting);

        await expect(sut.canActivate(context)).resolves.toBe(true);
        expect(storage.calls).toHaveLength(1);
        expect(headers.size).toBe(0);

        release();
        await expect(pendingRateCheck(req as never)).resolves.toBeUndefined();
        expect(headers.get('X-RateLimit-Remaining')).toBe('3');
      });

      it('refuses through the pending check when over the limit', async () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        storage.record = { totalHits: 6, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 42 };
        const { context, headers, req } = contextFor('/api/generate', key, Routes.prototype.submitting);

        await expect(sut.canActivate(context)).resolves.toBe(true);

        await expect(pendingRateCheck(req as never)).rejects.toMatchObject({
          status: 429,
          retryAfterSeconds: 42,
        });
        expect(headers.get('Retry-After')).toBe('42');
      });

      it('adds nothing when the request was answered before its count came back', async () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        let release = () => undefined as void;
        storage.hold = new Promise<void>((resolve) => (release = resolve));
        storage.record = { totalHits: 6, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 42 };
        const { context, headers, req, res } = contextFor('/api/generate', key, Routes.prototype.submitting);
        await sut.canActivate(context);

        res.headersSent = true; // answered 400 for its body meanwhile
        release();

        await expect(pendingRateCheck(req as never)).resolves.toBeUndefined();
        expect(headers.size).toBe(0);
      });

      it('leaves nothing pending on other routes: they are refused by the guard itself', async () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        storage.record = { totalHits: 6, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 42 };
        const { context, req } = contextFor('/api/tags', key);

        await expect(sut.canActivate(context)).rejects.toThrow(LimitExceededError);
        expect(pendingRateCheck(req as never)).toBeUndefined();
      });
    });
  });
});

describe(limitMessage.name, () => {
  it('names the client address when there is no key', () => {
    expect(limitMessage({ requests: 5, windowSeconds: 60, subject: 'client 10.0.0.1' }, 7)).toBe(
      'rate limit exceeded: 5 requests per 60 s for client 10.0.0.1; retry in 7 s',
    );
  });
});
