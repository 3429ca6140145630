import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { RateCount } from '@gridllm/access';
import { parseGridConfig } from '@gridllm/config';
import { LimitExceededError, Principal } from '@gridllm/contracts';
import { JobSchedulerService } from '@gridllm/scheduler';

import { RateCheckedAtSubmit, pendingRateCount } from './deferred-rate-check';
import { limitMessage } from './pending-rate-count';
import { RateCounter } from './rate-counter';
import { RateLimitPolicy } from './rate-limit-policy';
import { RequestRateGuard } from './request-rate.guard';

/** Answers with `record` and remembers what it was asked; with `hold`, answers only when released. */
class FakeCounter implements Pick<RateCounter, 'increment' | 'terms'> {
  readonly calls: Array<{ key: string; ttl: number; limit: number; blockDuration: number }> = [];
  record: RateCount = { totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };
  hold: Promise<void> = Promise.resolve();

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<RateCount> {
    this.calls.push({ key, ttl, limit, blockDuration });
    await this.hold;
    return this.record;
  }

  terms(tracker: string, windowMs: number, limit: number, blockMs: number) {
    const tag = `gridllm:throttle:{${tracker}:default}`;
    return { hitsKey: `${tag}:hits`, blockedKey: `${tag}:blocked`, windowMs, limit, blockMs };
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

  /** `countsAtEnqueue`: whether the grid's enqueue script can count a submitted request (one Redis server). */
  const guardWith = (env: { [name: string]: string }, countsAtEnqueue = true) => {
    const security = parseGridConfig(env).security;
    const scheduler = { countsRequestsAtEnqueue: countsAtEnqueue } as JobSchedulerService;
    return new RequestRateGuard(
      new RateLimitPolicy(security),
      storage as unknown as RateCounter,
      new Reflector(),
      scheduler,
    );
  };

  beforeEach(() => (storage = new FakeCounter()));

  describe('canActivate', () => {
    it('lets every request through without asking the store when no limit applies', async () => {
      const sut = guardWith({});

      expect(await sut.canActivate(contextFor('/api/chat', key).context)).toBe(true);
      expect(storage.calls).toEqual([]);
    });

    it('skips exempt routes without asking the store', async () => {
      const sut = guardWith({ RATE_LIMIT_REQUESTS: '1' });

      expect(await sut.canActivate(contextFor('/health/live').context)).toBe(true);
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
      it("sends nothing and leaves the count, its keys in full, to the job's enqueue", () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        const { context, headers, req } = contextFor('/api/generate', key, Routes.prototype.submitting);

        expect(sut.canActivate(context)).toBe(true);

        expect(storage.calls).toEqual([]);
        expect(headers.size).toBe(0);
        const charge = pendingRateCount(req as never);
        expect(charge?.made).toBe(false);
        expect(charge?.claim()).toEqual({
          hitsKey: 'gridllm:throttle:{key_abc:default}:hits',
          blockedKey: 'gridllm:throttle:{key_abc:default}:blocked',
          windowMs: 60_000,
          limit: 5,
          blockMs: 60_000,
        });
        expect(charge?.made).toBe(true);
      });

      it("takes the enqueue script's count: the allowance in headers, and no second count", async () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        const { context, headers, req } = contextFor('/api/generate', key, Routes.prototype.submitting);
        expect(sut.canActivate(context)).toBe(true);
        const charge = pendingRateCount(req as never);
        charge?.claim();

        charge?.settle([2, 40_100, 0, 0]);

        expect(Object.fromEntries(headers)).toEqual({
          'X-RateLimit-Limit': '5',
          'X-RateLimit-Remaining': '3',
          'X-RateLimit-Reset': '41',
        });
        await charge?.count();
        expect(storage.calls).toEqual([]);
      });

      it("refuses by the enqueue script's count when over the limit", () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        const { context, headers, req } = contextFor('/api/generate', key, Routes.prototype.submitting);
        expect(sut.canActivate(context)).toBe(true);

        pendingRateCount(req as never)?.claim();

        const refusal = () => pendingRateCount(req as never)?.settle([6, 50_000, 1, 41_500]);

        expect(refusal).toThrow(LimitExceededError);
        expect(refusal).toThrow('rate limit exceeded: 5 requests per 60 s for key key_abc; retry in 42 s');
        expect(headers.get('Retry-After')).toBe('42');
      });

      it('counts once however often the count is asked for (the submit, then the error filter)', async () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        const { context, req } = contextFor('/api/generate', key, Routes.prototype.submitting);
        expect(sut.canActivate(context)).toBe(true);
        const charge = pendingRateCount(req as never);

        await Promise.all([charge?.count(), charge?.count()]);
        await charge?.count();

        expect(storage.calls).toHaveLength(1);
        expect(charge?.made).toBe(true);
      });

      describe('where no enqueue script can count (a Cluster, signed claims)', () => {
        it('sends the count at once and lets the request on while it is on its way', async () => {
          const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' }, false);
          let release = () => undefined as void;
          storage.hold = new Promise<void>((resolve) => (release = resolve));
          storage.record = { totalHits: 2, timeToExpire: 41, isBlocked: false, timeToBlockExpire: 0 };
          const { context, headers, req } = contextFor('/api/generate', key, Routes.prototype.submitting);

          expect(sut.canActivate(context)).toBe(true);
          expect(storage.calls).toHaveLength(1);
          expect(headers.size).toBe(0);
          expect(pendingRateCount(req as never)?.made).toBe(true);

          release();
          await expect(pendingRateCount(req as never)?.count()).resolves.toBeUndefined();
          expect(headers.get('X-RateLimit-Remaining')).toBe('3');
          expect(storage.calls).toHaveLength(1);
        });

        it('refuses through the pending count when over the limit', async () => {
          const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' }, false);
          storage.record = { totalHits: 6, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 42 };
          const { context, headers, req } = contextFor('/api/generate', key, Routes.prototype.submitting);

          expect(sut.canActivate(context)).toBe(true);

          await expect(pendingRateCount(req as never)?.count()).rejects.toMatchObject({
            status: 429,
            retryAfterSeconds: 42,
          });
          expect(headers.get('Retry-After')).toBe('42');
        });

        it('adds nothing when the request was answered before its count came back', async () => {
          const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' }, false);
          let release = () => undefined as void;
          storage.hold = new Promise<void>((resolve) => (release = resolve));
          storage.record = { totalHits: 6, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 42 };
          const { context, headers, req, res } = contextFor(
            '/api/generate',
            key,
            Routes.prototype.submitting,
          );
          expect(sut.canActivate(context)).toBe(true);

          res.headersSent = true; // answered 400 for its body meanwhile
          release();

          await expect(pendingRateCount(req as never)?.count()).resolves.toBeUndefined();
          expect(headers.size).toBe(0);
        });
      });

      it('leaves nothing pending on other routes: they are refused by the guard itself', async () => {
        const sut = guardWith({ RATE_LIMIT_REQUESTS: '5' });
        storage.record = { totalHits: 6, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 42 };
        const { context, req } = contextFor('/api/tags', key);

        await expect(sut.canActivate(context)).rejects.toThrow(LimitExceededError);
        expect(pendingRateCount(req as never)).toBeUndefined();
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
