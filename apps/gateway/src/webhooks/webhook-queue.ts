import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Job, Queue, Worker } from 'bullmq';

import { redisConfig } from '@gridllm/config';
import { RedisConnectionFactory } from '@gridllm/redis';
import { QueueRegistry } from '@gridllm/scheduler';

import { WebhookJobData } from './delivery-schedule';
import { WebhookDelivery } from './webhook-delivery.service';

export type WebhookJob = Job<WebhookJobData>;

/** Callbacks in flight at once per gateway (each waits at most WEBHOOK_TIMEOUT on its receiver). */
const CONCURRENCY = 16;
/** BullMQ renews a running callback's lock itself; a gateway killed mid-attempt frees it this soon. */
const LOCK_DURATION_MS = 10_000;

/**
 * The durable schedule of callbacks: one BullMQ job per inference job with a callback (same id), moved
 * between `delayed` (waiting for its job to end, or for its next retry) and `active` (one gateway looking
 * or POSTing, under BullMQ's lock). Every gateway consumes it, so a callback goes out whichever gateway is
 * up; one that dies mid-attempt loses its lock and another gateway makes the attempt again (at least once).
 */
@Injectable()
export class WebhookQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookQueue.name);
  readonly queue: Queue<WebhookJobData>;
  private consumer: Worker<WebhookJobData> | null = null;

  constructor(
    private readonly connections: RedisConnectionFactory,
    private readonly delivery: WebhookDelivery,
    queues: QueueRegistry,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
  ) {
    // Adding and reading callbacks shares the model queues' connection; only the consumer has its own
    // (without a command timeout: BullMQ blocks on a copy of it while waiting for due callbacks).
    this.queue = new Queue<WebhookJobData>(this.name, {
      connection: queues.connection,
      prefix: redis.prefix,
      streams: { events: { maxLen: 0 } },
    });
  }

  onApplicationBootstrap(): void {
    this.consumer = new Worker<WebhookJobData>(
      this.name,
      (job, token) => this.delivery.process(job, token ?? ''),
      {
        connection: this.connections.create('gridllm-webhook-consumer'),
        prefix: this.redis.prefix,
        concurrency: CONCURRENCY,
        lockDuration: LOCK_DURATION_MS,
        stalledInterval: LOCK_DURATION_MS / 2,
        // A stall is a gateway that died mid-attempt, not a bad callback: keep giving it to the next one.
        maxStalledCount: 1000,
      },
    );
    this.consumer.on('error', (error) => this.logger.warn(`webhook queue: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.close();
    await this.queue.close();
  }

  /** In a Redis Cluster all of the queue's keys share one slot (BullMQ's scripts need it). */
  private get name(): string {
    return this.connections.clustered ? '{webhooks}' : 'webhooks';
  }
}
