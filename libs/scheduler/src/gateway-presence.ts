import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig, queueConfig } from '@gridllm/config';
import { RedisClient } from '@gridllm/redis';

/** How many heartbeat intervals a gateway's presence key outlives its last refresh. */
const PRESENCE_BEATS = 3;

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

  /**
   * How long a presence key lives after its refresh. A job submitted less than this long ago stands for its
   * gateway's presence as well as the key would (see JobRunner.ownerGone).
   */
  static ttlMs(heartbeatIntervalMs: number): number {
    return heartbeatIntervalMs * PRESENCE_BEATS;
  }

  private async beat(): Promise<void> {
    const key = this.client.keys.gateway(this.gateway.serverId);
    const ttl = GatewayPresence.ttlMs(this.queue.heartbeatIntervalMs);
    await this.client.redis.set(key, '1', 'PX', ttl).catch(() => undefined);
  }
}
