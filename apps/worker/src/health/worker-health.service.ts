import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';

import { CircuitState, WorkerStatus } from '@gridllm/contracts';
import { RedisHealthIndicator, liveness } from '@gridllm/observability';

import { CapabilitiesService } from '../capabilities/capabilities.service';
import { EngineCircuit } from '../deep-health/engine-circuit';
import { SlotLoop } from '../jobs/slot-loop.service';
import { HeartbeatService } from '../registration/heartbeat.service';
import { EngineHealthIndicator } from './engine-health.indicator';

/** The worker's detailed health: its registry status plus what the ready checks found. */
export interface WorkerHealthReport {
  status: WorkerStatus;
  reason?: string;
  engine?: string;
  engineVersion?: string;
  /** Deep health: open while stalled jobs or repeated engine failures keep the worker out of placement. */
  circuit: CircuitState;
  models: string[];
  slots: number;
  runningJobs: number;
  checks: HealthCheckResult['details'];
}

/** Live: the process. Ready: Redis answers and the engine answers (and the worker is not draining). */
@Injectable()
export class WorkerHealth {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly engine: EngineHealthIndicator,
    private readonly heartbeat: HeartbeatService,
    private readonly capabilities: CapabilitiesService,
    private readonly slots: SlotLoop,
    private readonly circuit: EngineCircuit,
  ) {}

  live(): HealthCheckResult {
    return liveness();
  }

  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.redis.ping(), () => this.engine.answers()]);
  }

  /** The report, and whether the worker is ready (the HTTP status follows it). */
  async detailed(): Promise<{ ready: boolean; report: WorkerHealthReport }> {
    const checks = await this.ready().then(
      (result) => result,
      (error: unknown) => {
        if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
        throw error;
      },
    );
    const ready = checks.status === 'ok';
    const snapshot = this.capabilities.snapshot;
    const redisDown = checks.details.redis?.status === 'down';
    const status = this.heartbeat.status === 'ready' && !ready ? 'not-ready' : this.heartbeat.status;
    return {
      ready,
      report: {
        status,
        reason: redisDown
          ? String(checks.details.redis.message)
          : (snapshot?.engineProblem ?? this.circuit.reason),
        engine: snapshot?.engine,
        engineVersion: snapshot?.engineVersion,
        circuit: this.circuit.state,
        models: snapshot?.models.map((model) => model.name) ?? [],
        slots: this.slots.slots,
        runningJobs: this.slots.runningJobs,
        checks: checks.details,
      },
    };
  }
}
