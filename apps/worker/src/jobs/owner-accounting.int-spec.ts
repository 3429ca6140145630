import { Logger } from '@nestjs/common';

import { OwnerJobs, UsageLedger } from '@gridllm/access';
import { parseGridConfig } from '@gridllm/config';
import { InferenceJobData, JobKind } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';
import { FairShareSettlement } from '@gridllm/scheduler';
import Redis from 'ioredis';

import { freePort } from '../../../../test/support/free-port';
import { RedisServer } from '../../../../test/support/redis-server';
import { OwnerAccounting } from './owner-accounting';

function job(id: string, ownerId?: string): InferenceJobData {
  return {
    id,
    kind: JobKind.Generate,
    model: 'm:latest',
    request: {},
    priority: 'medium',
    submittedAt: Date.now(),
    deadlineAt: Date.now() + 60_000,
    retainSeconds: 60,
    ownerId,
  };
}

describe(OwnerAccounting.name, () => {
  const server = new RedisServer();
  const factories: RedisConnectionFactory[] = [];
  let admin: Redis;
  let ledger: UsageLedger;
  let ownerJobs: OwnerJobs;
  let sut: OwnerAccounting;

  let fairShare: FairShareSettlement;

  function accountingOn(port: number): {
    ledger: UsageLedger;
    ownerJobs: OwnerJobs;
    fairShare: FairShareSettlement;
  } {
    const config = parseGridConfig({ REDIS_PORT: String(port), REDIS_PREFIX: 'acct' });
    const factory = new RedisConnectionFactory(config.redis);
    factories.push(factory);
    const client = new RedisClient(factory, config.redis);
    return {
      ledger: new UsageLedger(client),
      ownerJobs: new OwnerJobs(client),
      fairShare: new FairShareSettlement(client, config.redis, config.queue),
    };
  }

  beforeAll(async () => {
    await server.start();
    ({ ledger, ownerJobs, fairShare } = accountingOn(server.port));
    sut = new OwnerAccounting(ledger, ownerJobs, fairShare);
    admin = server.client();
  });

  beforeEach(() => admin.flushall());

  afterAll(async () => {
    admin.disconnect();
    await Promise.all(factories.map((factory) => factory.onApplicationShutdown()));
    await server.stop();
  });

  describe('settle', () => {
    it("records the engine's counts for a completed job and frees the owner's slot", async () => {
      await ownerJobs.admit('key_a', 'j1', 1, Date.now() + 60_000);
      const account = sut.open(job('j1', 'key_a'));
      account.observe({ response: 'Hi', done: false }, false);
      account.observe({ response: '', done: true, prompt_eval_count: 7, eval_count: 1 }, true);

      await account.settle();

      expect((await ledger.report('key_a')).total.models['m:latest']).toEqual({
        prompt_tokens: 7,
        completion_tokens: 1,
        total_tokens: 8,
        requests: 1,
      });
      expect(await ownerJobs.count('key_a')).toBe(0);
    });

    it('records what was generated for a job aborted mid-stream', async () => {
      const account = sut.open(job('j1', 'key_a'));
      for (const response of ['a', 'b', 'c']) account.observe({ response, done: false }, false);

      await account.settle();

      expect((await ledger.report('key_a')).total).toMatchObject({
        prompt_tokens: 0,
        completion_tokens: 3,
        requests: 1,
      });
    });

    it('records a job only once however often it is settled', async () => {
      const account = sut.open(job('j1', 'key_a'));
      account.observe({ response: 'a', done: false }, false);

      await Promise.all([account.settle(), account.settle()]);
      await account.settle();

      expect((await ledger.report('key_a')).total).toMatchObject({ completion_tokens: 1, requests: 1 });
    });

    it('records nothing for a job without an owner (auth off)', async () => {
      const account = sut.open(job('j1'));
      account.observe({ response: 'a', done: true, eval_count: 1 }, true);

      await account.settle();

      expect(await admin.keys('acct:usage:*')).toEqual([]);
    });

    it('corrects the fair-share charge made at submit to the tokens the engine counted', async () => {
      // Charged 100 at submit for an owner of weight 2; the engine counted 40 prompt + 30 completion tokens.
      await admin.hset('acct:m%3Alatest:gridllm-fair', 'f:key_a', 500);
      const account = sut.open({ ...job('j1', 'key_a'), fairShare: { cost: 100, weight: 2 } });
      account.observe({ response: 'a', done: true, prompt_eval_count: 40, eval_count: 30 }, true);

      await account.settle();

      // (40 × 1 + 30 × 2) / 2 = 50 actual: the counter gives back 50.
      expect(Number(await admin.hget('acct:m%3Alatest:gridllm-fair', 'f:key_a'))).toBe(450);
    });

    it('does not fail when Redis cannot take the usage, it only warns', async () => {
      const down = accountingOn(await freePort());
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const account = new OwnerAccounting(down.ledger, down.ownerJobs, down.fairShare).open(
        job('j1', 'key_a'),
      );

      await expect(account.settle()).resolves.toBeUndefined();

      expect(warn).toHaveBeenCalledWith(expect.stringContaining('job j1: usage not recorded'));
      warn.mockRestore();
    });
  });
});
