import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Queue } from 'bullmq';

import { redisConfig } from '@gridllm/config';
import { InferenceJobData, InferenceJobResult } from '@gridllm/contracts';
import { REQUEST_COMMAND_TIMEOUT_MS, RedisConnection, RedisConnectionFactory } from '@gridllm/redis';

import { queueNameFor } from './queue-names';

export type ModelQueue = Queue<InferenceJobData, InferenceJobResult>;

/** Per-model BullMQ queues, created on first use at run time (models come and go with workers). */
@Injectable()
export class QueueRegistry implements OnApplicationShutdown {
  private readonly queues = new Map<string, ModelQueue>();
  private shared: RedisConnection | null = null;

  constructor(
    private readonly connections: RedisConnectionFactory,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
  ) {}

  /** The queue of a normalised model name. */
  forModel(model: string): ModelQueue {
    const name = queueNameFor(model, this.connections.clustered);
    let queue = this.queues.get(name);
    if (!queue) {
      // All queues share one connection: a gateway may know hundreds of models.
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.redis.prefix,
        // Nothing reads BullMQ's event stream (no QueueEvents), yet every `completed` event in it would carry
        // a copy of the result, 10,000 deep by default: keep none.
        streams: { events: { maxLen: 0 } },
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** The connection every queue shares (created on first use): what health checks probe. */
  get connection(): RedisConnection {
    this.shared ??= this.connections.create('gridllm-queues', {
      commandTimeoutMs: REQUEST_COMMAND_TIMEOUT_MS,
      autoPipelining: true,
    });
    return this.shared;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
