import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

import { queueConfig, redisConfig, workerConfig } from '@gridllm/config';
import { InferenceJobData, InferenceJobResult } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { queueNameFor } from './queue-names';
import { queueOrder } from './queue-order';

export type InferenceJob = Job<InferenceJobData, InferenceJobResult>;

/** A job this worker has locked; `token` proves the lock to BullMQ. */
export interface TakenJob {
  job: InferenceJob;
  token: string;
  model: string;
}

/** How many times a job may be found stalled (its worker died) and put back, before it fails. */
const MAX_STALLED_COUNT = 3;

/**
 * Worker side of the queues (see ARCHITECTURE "Queue layout"): one manual-mode BullMQ Worker per model
 * the machine serves, no processor, no per-queue concurrency. The slot loop asks for exactly one job per
 * free slot with `takeNext`, and sleeps in `waitForWork` on one BZPOPMIN over every queue's marker.
 */
@Injectable()
export class JobSource implements OnApplicationShutdown {
  private readonly logger = new Logger(JobSource.name);
  private readonly consumers = new Map<string, Worker<InferenceJobData, InferenceJobResult>>();
  private readonly wakeKey: string;
  private active: string[] = [];
  private cursor = 0;
  private blocking: Redis | null = null;

  constructor(
    private readonly connections: RedisConnectionFactory,
    private readonly client: RedisClient,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
  ) {
    this.wakeKey = client.keys.wake(`worker-${this.worker.workerId}-${randomUUID()}`);
  }

  get models(): readonly string[] {
    return this.active;
  }

  /** Serve exactly these (normalised) models from now on. Consumers of dropped models stay open for running jobs. */
  async setModels(models: readonly string[]): Promise<void> {
    const wanted = [...new Set(models)].sort();
    for (const model of wanted) {
      if (!this.consumers.has(model)) this.consumers.set(model, await this.openConsumer(model));
    }
    const changed = wanted.join('\n') !== this.active.join('\n');
    this.active = wanted;
    if (changed) this.wake();
  }

  /** Locks the next job for one free slot, trying `preferred` first; null when every queue is empty. */
  async takeNext(preferred: string | null = null): Promise<TakenJob | null> {
    const order = queueOrder(this.active, preferred, this.cursor++);
    for (const model of order) {
      const consumer = this.consumers.get(model);
      if (!consumer) continue;
      const token = randomUUID();
      const job = (await consumer.getNextJob(token, { block: false })) as InferenceJob | undefined;
      if (job) return { job, token, model };
    }
    return null;
  }

  /** Sleeps until some queue of ours signals work (returns its model), a wake-up, or the timeout (null). */
  async waitForWork(timeoutMs: number): Promise<string | null> {
    // With no models yet, only the wake key is watched: setModels() wakes us the moment models appear.
    this.blocking ??= this.connections.create('gridllm-marker-wait');
    const markers = new Map(this.active.map((model) => [this.markerKey(model), model]));
    const reply = await this.blocking.bzpopmin(...markers.keys(), this.wakeKey, timeoutMs / 1000);
    return reply ? (markers.get(reply[0]) ?? null) : null;
  }

  /** Makes a sleeping `waitForWork` return now. */
  wake(): void {
    void this.client.redis.zadd(this.wakeKey, 0, 'wake').catch(() => undefined);
  }

  /** Renews the locks of running jobs; returns the ids whose lock could not be renewed (lost). */
  async extendLocks(running: readonly TakenJob[]): Promise<string[]> {
    const lost: string[] = [];
    const byModel = groupBy(running, (taken) => taken.model);
    for (const [model, jobs] of byModel) {
      const consumer = this.consumers.get(model);
      if (!consumer) continue;
      const ids = jobs.map((taken) => taken.job.id ?? '');
      const failed = await consumer.extendJobLocks(
        ids,
        jobs.map((taken) => taken.token),
        this.queue.lockDurationMs,
      );
      lost.push(...failed);
    }
    return lost;
  }

  async complete(taken: TakenJob, result: InferenceJobResult): Promise<void> {
    await taken.job.moveToCompleted(result, taken.token, false);
  }

  /** Fails the job for good: engine and input errors are not helped by a retry. */
  async fail(taken: TakenJob, message: string): Promise<void> {
    await taken.job.moveToFailed(new UnrecoverableError(message), taken.token, false);
  }

  /** Puts a job that has streamed nothing back in its queue for another worker (drain, shutdown). */
  async handBack(taken: TakenJob): Promise<void> {
    await taken.job.moveToWait(taken.token);
  }

  async onApplicationShutdown(): Promise<void> {
    this.blocking?.disconnect();
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.close(true)));
    await this.client.redis.del(this.wakeKey).catch(() => undefined);
  }

  private async openConsumer(model: string): Promise<Worker<InferenceJobData, InferenceJobResult>> {
    const consumer = new Worker<InferenceJobData, InferenceJobResult>(queueNameFor(model), null, {
      connection: this.connections.options(`gridllm-consumer`),
      prefix: this.redis.prefix,
      autorun: false,
      name: this.worker.workerId,
      lockDuration: this.queue.lockDurationMs,
      stalledInterval: Math.max(500, Math.floor(this.queue.lockDurationMs / 2)),
      maxStalledCount: MAX_STALLED_COUNT,
    });
    consumer.on('error', (error) => this.logger.warn(`queue ${model}: ${error.message}`));
    await consumer.waitUntilReady();
    // Manual mode has no stalled-job checker unless started: without it a dead worker's jobs never return.
    await consumer.startStalledCheckTimer();
    return consumer;
  }

  private markerKey(model: string): string {
    return `${this.redis.prefix}:${queueNameFor(model)}:marker`;
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
