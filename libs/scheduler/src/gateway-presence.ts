import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig, queueConfig } from '@gridllm/config';
import { RedisClient } from '@gridllm/redis';

/**
 * Tells workers this gateway is alive: a key refreshed every heartbeat interval that expires after 3.
 * A worker aborts a job whose owning gateway is gone (its client is gone with it), so no slot works for
 * nobody after a gateway crash. Async native jobs have no owner and always run.
 */
@Injectable()
export class GatewayPresence implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: RedisClient,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.queue.heartbeatIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    const key = this.client.keys.gateway(this.gateway.serverId);
    await this.client.redis.set(key, '1', 'PX', this.queue.heartbeatIntervalMs * 3).catch(() => undefined);
  }
}
