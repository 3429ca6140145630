import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';
import { CircuitState } from '@gridllm/contracts';

/**
 * Deep health of the engine, as jobs find it: a stalled job (no token within FIRST_TOKEN_TIMEOUT /
 * STALL_TIMEOUT) opens the circuit at once, CIRCUIT_ERROR_THRESHOLD engine failures in a row open it
 * too, a completed job resets the count. An open circuit takes the worker out of placement until a
 * canary generation succeeds (CircuitCanary); the engine can keep answering HTTP while wedged.
 */
@Injectable()
export class EngineCircuit {
  private readonly logger = new Logger(EngineCircuit.name);
  private current: CircuitState = 'closed';
  private failures = 0;
  private why: string | undefined;
  private readonly openListeners: Array<() => void> = [];
  /** Times the circuit opened since the worker started. */
  trips = 0;

  constructor(@Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>) {}

  get state(): CircuitState {
    return this.current;
  }

  get isClosed(): boolean {
    return this.current === 'closed';
  }

  /** Why the circuit is open (the last stall or failure), for /admin/workers and /health. */
  get reason(): string | undefined {
    return this.current === 'closed' ? undefined : this.why;
  }

  /** Called each time the circuit opens (the canary takes over from there). */
  onOpen(listener: () => void): void {
    this.openListeners.push(listener);
  }

  succeeded(): void {
    this.failures = 0;
  }

  stalled(detail: string): void {
    this.open(`circuit open: a job stalled (${detail})`);
  }

  failed(detail: string): void {
    this.failures += 1;
    if (this.failures >= this.settings.circuit.errorThreshold)
      this.open(`circuit open: ${this.failures} engine failures in a row (last: ${detail})`);
  }

  /** The canary is probing the engine. */
  probing(): void {
    if (this.current === 'open') this.current = 'half-open';
  }

  /** The canary failed: open again, with the canary's failure as the reason. */
  probeFailed(detail: string): void {
    this.current = 'open';
    this.why = `circuit open: canary failed (${detail})`;
  }

  close(): void {
    if (this.current === 'closed') return;
    this.logger.log(`circuit closed: the canary generation succeeded, taking jobs again`);
    this.current = 'closed';
    this.failures = 0;
    this.why = undefined;
  }

  private open(reason: string): void {
    this.why = reason;
    if (this.current !== 'closed') return;
    this.current = 'open';
    this.trips += 1;
    this.logger.warn(`${reason}: leaving placement until a canary generation succeeds`);
    for (const listener of this.openListeners) listener();
  }
}
