import { Injectable } from '@nestjs/common';

import { JOB_PRIORITIES } from '@gridllm/contracts';
import { MetricsRegistry } from '@gridllm/observability';
import { RedisClient } from '@gridllm/redis';
import { QueueDepth } from '@gridllm/scheduler';

import { WORKER_STATES } from '../health/fleet-state';
import { FleetReader } from '../health/fleet-reader.service';

/** Gauges read from Redis at scrape time share one read per this long (they are collected one by one). */
const SHARED_READ_MS = 1000;

/**
 * Grid-wide gauges read from Redis when Prometheus scrapes: queue depth, running jobs, workers by state.
 * A read that fails or times out leaves the gauge empty for that scrape (no stale values), and
 * `gridllm_redis_connected` says why.
 */
@Injectable()
export class FleetMetrics {
  private depthsRead: { at: number; depths: Promise<QueueDepth[]> } | null = null;

  constructor(metrics: MetricsRegistry, fleet: FleetReader, client: RedisClient) {
    const depths = () => this.sharedDepths(fleet, client);
    metrics.gauge({
      name: 'gridllm_queue_depth',
      help: 'Jobs waiting in the queue, by model and priority',
      labelNames: ['model', 'priority'] as const,
      async collect() {
        this.reset();
        for (const { model, waiting } of await depths().catch(() => [])) {
          for (const priority of JOB_PRIORITIES) this.set({ model, priority }, waiting[priority]);
        }
      },
    });
    metrics.gauge({
      name: 'gridllm_jobs_running',
      help: 'Jobs a worker is running right now, by model',
      labelNames: ['model'] as const,
      async collect() {
        this.reset();
        for (const { model, active } of await depths().catch(() => [])) this.set({ model }, active);
      },
    });
    metrics.gauge({
      name: 'gridllm_workers',
      help: 'Live workers by state: available (free slot), busy (all slots taken), not_ready, draining, cordoned',
      labelNames: ['state'] as const,
      async collect() {
        this.reset();
        const summary = await fleet.workers().catch(() => null);
        if (summary) for (const state of WORKER_STATES) this.set({ state }, summary.states[state]);
      },
    });
    metrics.gauge({
      name: 'gridllm_workers_circuit_open',
      help: 'Live workers that deep health keeps out of placement (circuit open or half-open)',
      async collect() {
        this.reset();
        const summary = await fleet.workers().catch(() => null);
        if (summary) this.set(summary.circuitOpen);
      },
    });
    metrics.gauge({
      name: 'gridllm_redis_connected',
      help: '1 while the gateway’s Redis command connection is up, else 0',
      collect() {
        this.set(client.redis.status === 'ready' ? 1 : 0);
      },
    });
  }

  /** A read of the last second is shared, unless Redis went away since: then the read fails at once. */
  private sharedDepths(fleet: FleetReader, client: RedisClient): Promise<QueueDepth[]> {
    const shared = this.depthsRead;
    if (shared && Date.now() - shared.at <= SHARED_READ_MS && client.redis.status === 'ready') {
      return shared.depths;
    }
    this.depthsRead = { at: Date.now(), depths: fleet.depths() };
    return this.depthsRead.depths;
  }
}
