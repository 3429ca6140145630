import { OwnerJobs, RateCountReply, RateCountTerms, RequestCharge } from '@gridllm/access';
import { GridConfig, parseGridConfig } from '@gridllm/config';
import {
  CapacityExceededError,
  InferenceJobData,
  JobKind,
  LimitExceededError,
  ModelNotFoundError,
  ModelUnavailableError,
} from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';

import { commandCalls } from '../../../test/support/command-calls';
import { specRedis } from '../../../test/support/spec-redis';
import { JobEnqueue } from './job-enqueue';
import { JobSchedulerService } from './job-scheduler.service';
import { jobSchedulerFor } from './job-scheduler.testing';
import { QueueRegistry } from './queue-registry';
import { MERGED_ANSWER_FIELD, ONE_ANSWER_ENTRY, PREFERRED_WORKER_FIELD } from './take-next.lua';

const MODEL = 'm:latest';
const OWNER = { id: 'key-1', maxConcurrent: 5 };

/** A request's rate count as the gateway hands it over: records who made it, refuses over the limit. */
class RecordingCharge implements RequestCharge {
  readonly settled: RateCountReply[] = [];
  separateCounts = 0;
  claims = 0;

  constructor(private readonly terms: RateCountTerms) {}

  get made(): boolean {
    return this.claims + this.separateCounts > 0;
  }

  claim(): RateCountTerms {
    this.claims++;
    return this.terms;
  }

  async count(): Promise<void> {
    this.separateCounts++;
  }

  settle(reply: RateCountReply): void {
    this.settled.push(reply);
    if (reply[2] === 1) throw new LimitExceededError('rate limit exceeded', Math.ceil(reply[3] / 1000));
  }
}

/**
 * Admission inside the enqueue script (issue 15): once the queues were counted, a submit checks that the
 * model is served and its queue has room in the same round trip that stores the job; whenever that
 * script refuses, the slow checks give the exact refusal and nothing is left behind.
 */
describe('job admission in the enqueue script', () => {
  const redis = specRedis('adm');
  let queues: QueueRegistry;
  let registry: WorkerRegistry;
  let client: RedisClient;
  let ownerJobs: OwnerJobs;
  let config: GridConfig;

  afterEach(() => queues.onApplicationShutdown());

  function scheduler(env: Record<string, string> = {}): JobSchedulerService {
    config = parseGridConfig(env);
    client = redis.newClient();
    queues = new QueueRegistry(redis.factory, redis.settings);
    registry = new WorkerRegistry(client);
    ownerJobs = new OwnerJobs(client);
    return jobSchedulerFor({ queues, registry, client, factory: redis.factory, config });
  }

  /** A live worker's claim on the model (as its heartbeat writes it), or one that expired `agoMs` ago. */
  const claim = (agoMs = -60_000) =>
    redis.admin.zadd(client.keys.modelWorkers(MODEL), Date.now() - agoMs, 'worker-1');

  const submit = (sut: JobSchedulerService, owner?: typeof OWNER, charge?: RequestCharge) =>
    sut.submit({ kind: JobKind.Generate, model: 'm', request: { prompt: 'hello' }, owner, charge });

  const HITS = 'adm:throttle:{key-1:default}:hits';
  const BLOCKED = 'adm:throttle:{key-1:default}:blocked';
  const chargeOf = (limit: number) =>
    new RecordingCharge({ hitsKey: HITS, blockedKey: BLOCKED, windowMs: 60_000, limit, blockMs: 60_000 });

  it('stores, indexes and places a job without the separate checks once the queues were counted', async () => {
    const sut = scheduler();
    await claim();
    await submit(sut); // counts every queue: the next submits may check inside the script
    const availability = jest.spyOn(registry, 'availability');

    const job = await submit(sut, OWNER);

    expect(availability).not.toHaveBeenCalled();
    expect((await queues.forModel(MODEL).getJob(job.id))?.data.request).toEqual({ prompt: 'hello' });
    expect(await redis.admin.get(client.keys.jobQueue(job.id))).toBe(MODEL);
    expect(await redis.admin.smembers(client.keys.models())).toEqual([MODEL]);
    // The gateway's presence is its own timer's (GatewayPresence); a job does not renew it.
    expect(await redis.admin.exists(client.keys.gateway(config.gateway.serverId))).toBe(0);
    expect(await queues.forModel(MODEL).getJobCounts('prioritized')).toEqual({ prioritized: 2 });
    expect(await ownerJobs.count(OWNER.id)).toBe(1);
  });

  it('queues a job once when its enqueue runs twice (a command sent again after a reconnect)', async () => {
    const sut = scheduler();
    await claim();
    const first = await submit(sut, OWNER);
    const queue = queues.forModel(MODEL);
    const stored = await queue.getJob(first.id);
    const again = new JobEnqueue(queues.connection);
    const admission = {
      claimsKey: client.keys.modelWorkers(MODEL),
      maxWaiting: 100,
      maxOpen: 100,
      indexKey: client.keys.jobQueue(first.id),
      indexSeconds: 600,
      countQueue: true,
    };
    const terms = { retainSeconds: 600, fair: null };

    await expect(
      again.addIfAdmitted(queue, stored?.data as InferenceJobData, terms, admission),
    ).rejects.toThrow(`job ${first.id} exists`);
    expect(await queue.getJobCounts('prioritized')).toEqual({ prioritized: 1 });
  });

  it("keeps the worker a job prefers in the job's own hash, where the take reads it", async () => {
    scheduler();
    await claim();
    const queue = queues.forModel(MODEL);
    const data = {
      id: 'preferring',
      kind: JobKind.Generate,
      model: MODEL,
      priority: 'medium',
      submittedAt: Date.now(),
    } as InferenceJobData;
    const admission = {
      claimsKey: client.keys.modelWorkers(MODEL),
      maxWaiting: 100,
      maxOpen: 100,
      indexKey: client.keys.jobQueue(data.id),
      indexSeconds: 600,
      countQueue: false,
    };
    await new JobEnqueue(queues.connection).addIfAdmitted(
      queue,
      data,
      { retainSeconds: 600, fair: null, preferredWorker: 'worker-7' },
      admission,
    );
    await new JobEnqueue(queues.connection).add(
      queue,
      { ...data, id: 'indifferent' },
      { retainSeconds: 600, fair: null },
    );

    expect(await redis.admin.hget(queue.toKey('preferring'), PREFERRED_WORKER_FIELD)).toBe('worker-7');
    expect(await redis.admin.hexists(queue.toKey('indifferent'), PREFERRED_WORKER_FIELD)).toBe(0);
    expect((await queue.getJob('preferring'))?.data.id).toBe('preferring');
  });

  it('counts the model’s queue in the script only when asked, and answers the counts with this job', async () => {
    scheduler();
    await claim();
    const queue = queues.forModel(MODEL);
    const enqueue = new JobEnqueue(queues.connection);
    const job = (id: string) =>
      ({
        id,
        kind: JobKind.Generate,
        model: MODEL,
        priority: 'medium',
        submittedAt: Date.now(),
      }) as InferenceJobData;
    const admission = (id: string, countQueue: boolean) => ({
      claimsKey: client.keys.modelWorkers(MODEL),
      maxWaiting: 100,
      maxOpen: 100,
      indexKey: client.keys.jobQueue(id),
      indexSeconds: 600,
      countQueue,
    });
    const terms = { retainSeconds: 600, fair: null };
    const lengthReads = () => commandCalls(redis.admin, 'llen');

    const before = await lengthReads();
    expect(
      await enqueue.addIfAdmitted(queue, job('uncounted'), terms, admission('uncounted', false)),
    ).toEqual({
      stored: true,
      queue: undefined,
    });
    expect(await lengthReads()).toBe(before);
    expect(await enqueue.addIfAdmitted(queue, job('counted'), terms, admission('counted', true))).toEqual({
      stored: true,
      queue: { waiting: 2, open: 2 },
    });
    expect(await lengthReads()).toBe(before + 2);
    // Asked to count, a full queue is refused; not asked, the caller vouches that it is far from full.
    const full = { ...admission('refused', true), maxWaiting: 2 };
    expect(await enqueue.addIfAdmitted(queue, job('refused'), terms, full)).toEqual({ stored: false });
  });

  it('marks the job of a client that reads only the merged answer, and that its answer may be one entry', async () => {
    const sut = scheduler();
    await claim();
    await submit(sut); // the queues counted: the next submits go through the script
    const queue = queues.forModel(MODEL);
    const ask = (request: Record<string, unknown>) =>
      sut.submit({ kind: JobKind.Generate, model: 'm', request: { prompt: 'hello', ...request } });
    const merged = await ask({ stream: false });
    const streamed = await ask({});

    expect(await redis.admin.hget(queue.toKey(merged.id), MERGED_ANSWER_FIELD)).toBe(ONE_ANSWER_ENTRY);
    expect(await redis.admin.hexists(queue.toKey(streamed.id), MERGED_ANSWER_FIELD)).toBe(0);
  });

  it('answers 404 when no worker claims the model any more, leaving nothing behind', async () => {
    const sut = scheduler();
    await claim();
    await submit(sut);
    await redis.admin.del(client.keys.modelWorkers(MODEL));

    await expect(submit(sut, OWNER)).rejects.toThrow(ModelNotFoundError);
    expect(await queues.forModel(MODEL).getJobCounts('prioritized')).toEqual({ prioritized: 1 });
    expect(await redis.admin.keys('adm:job-queue:*')).toHaveLength(1);
    expect(await ownerJobs.count(OWNER.id)).toBe(0);
  });

  it('answers 503 while the model’s only worker is restarting (its claim just expired)', async () => {
    const sut = scheduler();
    await claim();
    await submit(sut);
    await claim(1000);

    await expect(submit(sut)).rejects.toThrow(ModelUnavailableError);
    expect(await queues.forModel(MODEL).getJobCounts('prioritized')).toEqual({ prioritized: 1 });
  });

  it('holds MAX_QUEUE_PER_MODEL exactly', async () => {
    const sut = scheduler({ MAX_QUEUE_PER_MODEL: '3' });
    await claim();
    for (let n = 0; n < 3; n++) await submit(sut);

    await expect(submit(sut, OWNER)).rejects.toThrow(CapacityExceededError);
    expect(await queues.forModel(MODEL).getJobCounts('prioritized')).toEqual({ prioritized: 3 });
    expect(await ownerJobs.count(OWNER.id)).toBe(0);
  });

  it('holds MAX_CONCURRENT_JOBS exactly over every model', async () => {
    const sut = scheduler({ MAX_CONCURRENT_JOBS: '12' });
    await claim();
    await redis.admin.sadd(client.keys.models(), 'other:latest');
    await queues.forModel('other:latest').add('generate', { id: 'x' } as never, { priority: 2 });
    for (let n = 0; n < 11; n++) await submit(sut);

    await expect(submit(sut)).rejects.toThrow(CapacityExceededError);
    expect(await queues.forModel(MODEL).getJobCounts('prioritized')).toEqual({ prioritized: 11 });
  });

  describe("with the request's rate count (the gateway's, issue 15)", () => {
    it('counts it in the script that stores the job, and nowhere else', async () => {
      const sut = scheduler();
      await claim();
      await submit(sut);
      const charge = chargeOf(5);

      const job = await submit(sut, OWNER, charge);

      expect(charge.separateCounts).toBe(0);
      expect(charge.settled).toEqual([[1, 60_000, 0, 0]]);
      expect(await redis.admin.get(HITS)).toBe('1');
      expect(await redis.admin.pttl(HITS)).toBeGreaterThan(59_000);
      expect(await queues.forModel(MODEL).getJob(job.id)).toBeDefined();
    });

    it('refuses over the limit with nothing stored and the owner’s slot given back, the request counted', async () => {
      const sut = scheduler();
      await claim();
      await submit(sut);
      await submit(sut, OWNER, chargeOf(1));
      const over = chargeOf(1);

      await expect(submit(sut, OWNER, over)).rejects.toThrow(LimitExceededError);

      expect(over.settled).toEqual([[2, expect.any(Number), 1, 60_000]]);
      expect(await redis.admin.get(HITS)).toBe('2');
      expect(await redis.admin.pttl(BLOCKED)).toBeGreaterThan(59_000);
      expect(await queues.forModel(MODEL).getJobCounts('prioritized')).toEqual({ prioritized: 2 });
      expect(await redis.admin.keys('adm:job-queue:*')).toHaveLength(2);
      expect(await ownerJobs.count(OWNER.id)).toBe(1);
    });

    it('counts a request the script did not admit once: the slow checks give the refusal', async () => {
      const sut = scheduler();
      await claim();
      await submit(sut);
      await redis.admin.del(client.keys.modelWorkers(MODEL));
      const charge = chargeOf(5);

      await expect(submit(sut, OWNER, charge)).rejects.toThrow(ModelNotFoundError);

      expect(charge.settled).toEqual([[1, 60_000, 0, 0]]);
      expect(charge.separateCounts).toBe(0);
      expect(await redis.admin.get(HITS)).toBe('1');
    });

    it('leaves it unclaimed when the job is refused before its enqueue (the gateway counts it then)', async () => {
      const sut = scheduler();
      await claim();
      await submit(sut);
      const busyOwner = { id: OWNER.id, maxConcurrent: 1 };
      await submit(sut, busyOwner);
      const charge = chargeOf(5);

      await expect(submit(sut, busyOwner, charge)).rejects.toThrow(LimitExceededError);

      expect(charge.made).toBe(false);
      expect(await redis.admin.get(HITS)).toBeNull();
    });

    it('has it counted separately where the script cannot check (the queues not counted yet)', async () => {
      const sut = scheduler();
      await claim();
      const charge = chargeOf(5);

      await submit(sut, OWNER, charge);

      expect(charge.separateCounts).toBe(1);
      expect(charge.settled).toEqual([]);
      expect(await redis.admin.get(HITS)).toBeNull();
    });
  });
});
