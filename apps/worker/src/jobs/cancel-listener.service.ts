import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';

import { RedisClient, RedisConnection, RedisConnectionFactory } from '@gridllm/redis';

import { AbortReason } from './abort-reason';
import { JobRunner } from './job-runner.service';

/**
 * Receives cancellations broadcast by gateways. Pub/sub messages are lost while reconnecting, so the
 * slot loop also checks each running job's cancel key on every lock renewal.
 */
@Injectable()
export class CancelListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CancelListener.name);
  private subscriber: RedisConnection | null = null;

  constructor(
    private readonly connections: RedisConnectionFactory,
    private readonly client: RedisClient,
    private readonly runner: JobRunner,
  ) {}

  async onModuleInit(): Promise<void> {
    const channel = this.client.keys.cancelChannel();
    this.subscriber = this.connections.create('gridllm-cancel-listener');
    this.subscriber.on('message', (_channel: string, jobId: string) =>
      this.runner.abort(jobId, AbortReason.Cancelled),
    );
    await this.subscriber.subscribe(channel);
    this.logger.debug(`listening for cancellations on ${channel}`);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
