import { parseGridConfig } from '@gridllm/config';
import { BULLMQ_PRIORITY, InferenceJobData, JobKind, JobOwner, JobPriority } from '@gridllm/contracts';
import { RedisConnectionFactory } from '@gridllm/redis';
import { randomUUID } from 'node:crypto';

import { RedisServer } from '../../../test/support/redis-server';
import { FAIR_STATE_SUFFIX, FairShare } from './fair-share';
import { JobEnqueue } from './job-enqueue';
import { QueueRegistry } from './queue-registry';

const A: JobOwner = { id: 'key_a' };
const AUTH_ON = { authEnabled: true };
const B: JobOwner = { id: 'key_b' };
/** Same prompt for every job: equal costs, so the order shows the policy alone. */
const REQUEST = { prompt: 'same size', options: { num_predict: 10 } };

describe(FairShare.name, () => {
  const server = new RedisServer();
  let factory: RedisConnectionFactory;
  let queues: QueueRegistry;
  let model = '';

  async function submit(
    owner: JobOwner | undefined,
    priority: JobPriority = 'medium',
    sut = fair,
  ): Promise<string> {
    const data = {
      id: randomUUID(),
      kind: JobKind.Generate,
      model,
      request: REQUEST,
      priority,
      submittedAt: Date.now(),
      deadlineAt: Date.now() + 60_000,
      retainSeconds: 60,
      ownerId: owner?.id,
      fairShare: sut.charge({ kind: JobKind.Generate }, REQUEST, owner),
    } as InferenceJobData;
    await new JobEnqueue(queues.connection).add(queues.forModel(model), data, {
      retainSeconds: 60,
      fair: sut.terms(data),
    });
    return data.id;
  }

  /** Waiting job ids in the order free slots would take them. */
  async function order(): Promise<string[]> {
    return queues.connection.zrange(queues.forModel(model).keys.prioritized, 0, -1);
  }

  let fair: FairShare;

  beforeAll(async () => {
    await server.start();
    const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'fair' });
    factory = new RedisConnectionFactory(config.redis);
    queues = new QueueRegistry(factory, config.redis);
    fair = new FairShare(
      { ...config.queue, fairShare: { ...config.queue.fairShare, windowMs: 1000 } },
      AUTH_ON,
    );
  });

  beforeEach(() => {
    model = `m${randomUUID().slice(0, 8)}:latest`;
  });

  afterAll(async () => {
    await queues.onApplicationShutdown();
    await factory.onApplicationShutdown();
    await server.stop();
  });

  describe('place', () => {
    it('puts a newcomer’s job ahead of another owner’s backlog', async () => {
      const backlog: string[] = [];
      for (let n = 0; n < 6; n++) backlog.push(await submit(A));
      const newcomer = await submit(B);

      expect((await order()).indexOf(newcomer)).toBeLessThanOrEqual(1);
    });

    it('keeps one owner’s jobs in the order they came', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) ids.push(await submit(A));

      expect(await order()).toEqual(ids);
    });

    it('alternates two owners that both have a backlog', async () => {
      const a = [await submit(A), await submit(A), await submit(A)];
      const b = [await submit(B), await submit(B), await submit(B)];

      const owners = (await order()).map((id) => (a.includes(id) ? 'A' : b.includes(id) ? 'B' : '?'));
      expect(owners.slice(2).join('')).toMatch(/^(AB|BA)(AB|BA)$/);
      expect(owners.slice(0, 2).sort().join('')).toBe('AB');
    });

    it('still serves a higher priority first, whoever owns it', async () => {
      for (let n = 0; n < 3; n++) await submit(B);
      const high = await submit(A, 'high');
      const low = await submit(B, 'low');

      const waiting = await order();
      expect(waiting[0]).toBe(high);
      expect(waiting.at(-1)).toBe(low);
    });

    it('gives an owner of weight 2 two jobs for each one of weight 1', async () => {
      const heavy: JobOwner = { id: 'key_heavy', shareWeight: 2 };
      const light: string[] = [];
      const weighted: string[] = [];
      for (let n = 0; n < 4; n++) light.push(await submit(A));
      for (let n = 0; n < 4; n++) weighted.push(await submit(heavy));

      const firstSix = (await order()).slice(0, 6);
      expect(firstSix.filter((id) => weighted.includes(id))).toHaveLength(4);
    });

    it('lifts an idle owner to the least-served active owner instead of letting it bank credit', async () => {
      const backlog: string[] = [];
      for (let n = 0; n < 8; n++) backlog.push(await submit(A));
      // Six of A's jobs ran meanwhile.
      for (const id of backlog.slice(0, 6)) await queues.forModel(model).remove(id);
      const late: string[] = [];
      for (let n = 0; n < 4; n++) late.push(await submit(B));

      const waiting = await order();
      // B is not owed the six jobs A ran while B was idle: A's two remaining jobs are not all last.
      expect(waiting.indexOf(backlog[7])).toBeLessThan(waiting.indexOf(late[3]));
    });

    it('forgets an owner’s lead once it has been idle for a few windows', async () => {
      for (let n = 0; n < 5; n++) await queues.forModel(model).remove(await submit(A));
      await new Promise((resolve) => setTimeout(resolve, 3500));
      const b1 = await submit(B);
      const b2 = await submit(B);
      const a = await submit(A);

      expect(await order()).toEqual([b1, a, b2]);
    });

    it('keeps FIFO order with FAIR_SHARE=false', async () => {
      const config = parseGridConfig({ REDIS_PORT: String(server.port), FAIR_SHARE: 'false' });
      const fifo = new FairShare(config.queue, AUTH_ON);
      const ids: string[] = [];
      for (const owner of [A, A, A, B, B]) ids.push(await submit(owner, 'medium', fifo));

      expect(await order()).toEqual(ids);
    });

    it('places jobs FIFO without fair-share state while auth is off, after the ones it ages up', async () => {
      const config = parseGridConfig({ REDIS_PORT: String(server.port), REDIS_PREFIX: 'fair' });
      const open = new FairShare(config.queue, { authEnabled: false });
      const queue = queues.forModel(model);
      const old = await submit(undefined, 'low', open);
      const medium: string[] = [];
      for (let n = 0; n < 3; n++) medium.push(await submit(undefined, 'medium', open));
      expect(await order()).toEqual([...medium, old]);

      // Priority aging (PriorityAging.sweep) lifts the low job into the medium band: having waited longest,
      // it goes ahead of the medium jobs queued after it.
      await (await queue.getJob(old))?.changePriority({ priority: BULLMQ_PRIORITY.medium });
      expect(await order()).toEqual([old, ...medium]);
      expect(await queues.connection.exists(queue.toKey(FAIR_STATE_SUFFIX))).toBe(0);
    });
  });
});
