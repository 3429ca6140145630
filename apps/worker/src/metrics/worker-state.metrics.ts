import { Injectable } from '@nestjs/common';

import { MetricsRegistry } from '@gridllm/observability';
import { RedisClient } from '@gridllm/redis';

import { CapabilitiesService } from '../capabilities/capabilities.service';
import { EngineCircuit } from '../deep-health/engine-circuit';
import { SlotLoop } from '../jobs/slot-loop.service';
import { HeartbeatService } from '../registration/heartbeat.service';

/** Gauges of the worker's own state, read from memory at scrape time (no Redis or engine call). */
@Injectable()
export class WorkerStateMetrics {
  constructor(
    metrics: MetricsRegistry,
    slots: SlotLoop,
    heartbeat: HeartbeatService,
    capabilities: CapabilitiesService,
    client: RedisClient,
    circuit: EngineCircuit,
  ) {
    metrics.gauge({
      name: 'gridllm_worker_slots',
      help: 'Jobs this worker runs at once at most (MAX_CONCURRENT_TASKS)',
      collect() {
        this.set(slots.slots);
      },
    });
    metrics.gauge({
      name: 'gridllm_worker_slots_used',
      help: 'Jobs running on this worker now',
      collect() {
        this.set(slots.runningJobs);
      },
    });
    metrics.gauge({
      name: 'gridllm_worker_ready',
      help: '1 while this worker advertises its models (engine usable, not draining), else 0',
      collect() {
        this.set(heartbeat.status === 'ready' ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'gridllm_worker_engine_up',
      help: '1 when the last read of the engine succeeded, else 0',
      collect() {
        this.set(capabilities.snapshot?.engineReachable ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'gridllm_worker_circuit_open',
      help: '1 while deep health keeps this worker out of placement (circuit open or half-open), else 0',
      collect() {
        this.set(circuit.isClosed ? 0 : 1);
      },
    });
    metrics.gauge({
      name: 'gridllm_worker_circuit_trips',
      help: 'Times the circuit opened (stalled jobs, repeated engine failures) since the worker started',
      collect() {
        this.set(circuit.trips);
      },
    });
    metrics.gauge({
      name: 'gridllm_worker_models',
      help: 'Models this worker’s engine serves',
      collect() {
        this.set(capabilities.snapshot?.models.length ?? 0);
      },
    });
    metrics.gauge({
      name: 'gridllm_redis_connected',
      help: '1 while the worker’s Redis command connection is up, else 0',
      collect() {
        this.set(client.redis.status === 'ready' ? 1 : 0);
      },
    });
  }
}
