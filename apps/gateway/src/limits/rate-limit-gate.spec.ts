import { ExecutionContext } from '@nestjs/common';

import { AppliedRateLimit, RateLimitPolicy } from './rate-limit-policy';
import { RateLimitGate } from './rate-limit-gate';
import { RequestRateGuard } from './request-rate.guard';

describe(RateLimitGate.name, () => {
  const context = {
    switchToHttp: () => ({ getRequest: () => ({ path: '/api/chat' }) }),
  } as unknown as ExecutionContext;
  let limit: AppliedRateLimit | null;
  let counter: { canActivate: jest.Mock };
  let sut: RateLimitGate;

  beforeEach(() => {
    limit = null;
    counter = { canActivate: jest.fn().mockResolvedValue(true) };
    const policy = { limitFor: () => limit } as unknown as RateLimitPolicy;
    sut = new RateLimitGate(policy, counter as unknown as RequestRateGuard);
  });

  describe('canActivate', () => {
    it('lets a request no limit applies to through at once, without counting it', () => {
      expect(sut.canActivate(context)).toBe(true);
      expect(counter.canActivate).not.toHaveBeenCalled();
    });

    it('has a limited request counted, and passes on the verdict', async () => {
      limit = { requests: 5, windowSeconds: 60, tracker: 'key_abc', subject: 'key key_abc' };
      counter.canActivate.mockRejectedValue(new Error('over the limit'));
      await expect(sut.canActivate(context)).rejects.toThrow('over the limit');
      expect(counter.canActivate).toHaveBeenCalledWith(context);
    });
  });
});
