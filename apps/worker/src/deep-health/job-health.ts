import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, workerConfig } from '@gridllm/config';
import { JobKind, StreamErrorData } from '@gridllm/contracts';

import { EngineError } from '../engines/inference-engine';
import { AbortReason } from '../jobs/abort-reason';
import { StallWatch } from '../jobs/stall-watch';
import { EngineCircuit } from './engine-circuit';
import { ModelUsage } from './model-usage';

/** What the job runner tells deep health about each job: its progress, its end, and how it ended. */
@Injectable()
export class JobHealth {
  constructor(
    private readonly circuit: EngineCircuit,
    private readonly usage: ModelUsage,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
  ) {}

  /** Aborts the job (AbortReason.Stalled) when its engine stops producing. */
  watch(controller: AbortController): StallWatch {
    const { firstTokenTimeoutMs, stallTimeoutMs } = this.queue;
    return new StallWatch(firstTokenTimeoutMs, stallTimeoutMs, () => controller.abort(AbortReason.Stalled));
  }

  completed(kind: JobKind, model: string): void {
    this.circuit.succeeded();
    if (kind === JobKind.Generate || kind === JobKind.Chat) this.usage.record(model);
  }

  /**
   * A job ended with an error: a stall (ours, or the gateway's watchdog cancelling it for the same
   * silence) opens the circuit; an engine failure (a 5xx answer, a broken or invalid stream) counts
   * toward it. Client errors (4xx), what the engine cannot do (501) and the worker's own troubles (Redis)
   * do not; an unreachable engine has its own path (the intake stops until the engine answers).
   */
  failed(error: unknown, reason: unknown, watch: StallWatch): void {
    if (reason === AbortReason.Stalled || (reason === AbortReason.Cancelled && watch.overdue)) {
      this.circuit.stalled(watch.detail);
      return;
    }
    if (reason !== undefined || !(error instanceof EngineError)) return;
    if (error.status >= 500 && error.status !== 501) this.circuit.failed(error.message);
  }

  /** The error line of a job this worker stopped for stalling. */
  stallError(watch: StallWatch): StreamErrorData {
    return {
      error: `worker ${this.worker.workerId}: ${watch.detail}; it leaves placement until a canary generation succeeds`,
      status: 504,
    };
  }
}
