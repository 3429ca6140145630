import { Injectable } from '@nestjs/common';

import { MetricsRegistry } from '@gridllm/observability';

import { WorkerJobOutcome, failedOutcome, isEngineFailure } from './job-outcome';

/** From a 10 ms embedding to a 5-minute generation (DEFAULT_JOB_TIMEOUT). */
const JOB_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** One running job's measurement; end it exactly once. */
export interface JobMeasurement {
  completed(): void;
  failed(abortReason: unknown): void;
}

/**
 * The jobs this worker runs: count and duration by model and outcome, engine errors, tokens generated.
 * Model labels are the worker's own (normalised) model names, so their number is bounded.
 */
@Injectable()
export class WorkerMetrics {
  private readonly jobs;
  private readonly duration;
  private readonly engineErrors;
  private readonly tokens;

  constructor(metrics: MetricsRegistry) {
    this.jobs = metrics.counter({
      name: 'gridllm_worker_jobs_total',
      help: 'Jobs this worker ran, by model and outcome',
      labelNames: ['model', 'outcome'] as const,
    });
    this.duration = metrics.histogram({
      name: 'gridllm_worker_job_duration_seconds',
      help: 'Time from taking a job to its end on this worker, by model and outcome',
      labelNames: ['model', 'outcome'] as const,
      buckets: JOB_DURATION_BUCKETS,
    });
    this.engineErrors = metrics.counter({
      name: 'gridllm_worker_engine_errors_total',
      help: 'Jobs that failed on the engine (not cancelled, timed out or handed back), by model',
      labelNames: ['model'] as const,
    });
    this.tokens = metrics.counter({
      name: 'gridllm_worker_tokens_generated_total',
      help: 'Tokens generated (eval_count of the final chunk), by model',
      labelNames: ['model'] as const,
    });
  }

  startJob(model: string, now: () => number = Date.now): JobMeasurement {
    const startedAt = now();
    const end = (outcome: WorkerJobOutcome) => {
      this.jobs.inc({ model, outcome });
      this.duration.observe({ model, outcome }, (now() - startedAt) / 1000);
    };
    return {
      completed: () => end('completed'),
      failed: (abortReason) => {
        end(failedOutcome(abortReason));
        if (isEngineFailure(abortReason)) this.engineErrors.inc({ model });
      },
    };
  }

  /** `evalCount` of a final chunk; ignored when the engine did not report one. */
  generated(model: string, evalCount: unknown): void {
    if (typeof evalCount === 'number' && Number.isFinite(evalCount) && evalCount > 0) {
      this.tokens.inc({ model }, evalCount);
    }
  }
}
