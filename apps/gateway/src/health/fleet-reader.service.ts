import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { observabilityConfig } from '@gridllm/config';
import { probeRedis } from '@gridllm/observability';
import { RedisClient } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import { JobInspector, QueueDepth, QueueRegistry } from '@gridllm/scheduler';

import { FleetSummary, summarizeFleet } from './fleet-state';

/**
 * Reads the fleet and the queues for health and metrics, each read bounded by HEALTH_CHECK_TIMEOUT and
 * refused at once while a connection is down, so neither a probe nor a scrape hangs on a lost Redis.
 */
@Injectable()
export class FleetReader {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly inspector: JobInspector,
    private readonly client: RedisClient,
    private readonly queues: QueueRegistry,
    @Inject(observabilityConfig.KEY) private readonly settings: ConfigType<typeof observabilityConfig>,
  ) {}

  async workers(): Promise<FleetSummary> {
    const workers = await probeRedis(this.client.redis, this.timeoutMs, 'worker registry', () =>
      this.registry.liveWorkers(),
    );
    return summarizeFleet(workers);
  }

  /** Waiting jobs per model and priority, and running jobs per model. */
  async depths(): Promise<QueueDepth[]> {
    // The model list comes over the command connection, the counts over the queues' shared one.
    const queueConnection = this.queues.connection;
    return probeRedis(this.client.redis, this.timeoutMs, 'queue depths', () =>
      probeRedis(queueConnection, this.timeoutMs, 'queue depths', () => this.inspector.depths()),
    );
  }

  private get timeoutMs(): number {
    return this.settings.healthCheckTimeoutMs;
  }
}
