import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { observabilityConfig } from '@gridllm/config';
import { withTimeout } from '@gridllm/observability';

import { CapabilitiesService } from '../capabilities/capabilities.service';
import { INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';
import { HeartbeatService } from '../registration/heartbeat.service';

/**
 * The engine answers now (its version, within HEALTH_CHECK_TIMEOUT) and the worker takes jobs with it:
 * the last model refresh reached it and the worker is not draining.
 */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly heartbeat: HeartbeatService,
    private readonly capabilities: CapabilitiesService,
    @Inject(INFERENCE_ENGINE) private readonly engine: InferenceEngine,
    @Inject(observabilityConfig.KEY) private readonly settings: ConfigType<typeof observabilityConfig>,
  ) {}

  async answers(key = 'engine'): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    const status = this.heartbeat.status;
    const engine = this.engine.name;
    if (status !== 'ready') {
      const message =
        status === 'draining' ? 'draining' : (this.capabilities.snapshot?.engineProblem ?? status);
      return session.down({ engine, workerStatus: status, message });
    }
    const startedAt = Date.now();
    try {
      const version = await withTimeout(this.engine.version(), this.settings.healthCheckTimeoutMs, 'engine');
      return session.up({ engine, version, latencyMs: Date.now() - startedAt });
    } catch (error) {
      return session.down({ engine, workerStatus: status, message: (error as Error).message });
    }
  }
}
