import { JobTimeoutError } from '@gridllm/contracts';
import { AbortSource, OneTimeAbort } from '@gridllm/streaming';

type Phase = JobTimeoutError['phase'];

/**
 * Deadlines per phase of one job as the gateway relays it: the whole job (DEFAULT_JOB_TIMEOUT), the
 * first token once a worker took it (FIRST_TOKEN_TIMEOUT: long enough for a cold model load), and the
 * pause between two tokens (STALL_TIMEOUT). `signal` aborts when one passes; `expired` names it.
 * A relay passes its own stop, so one abort ends its read whatever the reason (no composite signal).
 */
export class JobWatchdog {
  private readonly total: NodeJS.Timeout;
  private phaseTimer: NodeJS.Timeout | null = null;
  private phase: Phase | null = null;
  expired: JobTimeoutError | null = null;

  constructor(
    deadlineAt: number,
    totalMs: number,
    private readonly firstTokenMs: number,
    private readonly stallMs: number,
    private readonly stop = new OneTimeAbort(),
  ) {
    this.total = setTimeout(() => this.expire('total', totalMs), Math.max(0, deadlineAt - Date.now()));
  }

  get signal(): AbortSource {
    return this.stop;
  }

  /** A worker took the job: the first token must come within FIRST_TOKEN_TIMEOUT. */
  started(): void {
    this.arm('first-token', this.firstTokenMs);
  }

  /** A chunk arrived: the next must come within STALL_TIMEOUT. */
  progressed(): void {
    this.arm('stall', this.stallMs);
  }

  dispose(): void {
    clearTimeout(this.total);
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
  }

  /** Re-arming the same phase restarts its timer in place: no new timer per token of a long stream. */
  private arm(phase: Phase, ms: number): void {
    if (this.phaseTimer && this.phase === phase) {
      this.phaseTimer.refresh();
      return;
    }
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
    this.phase = phase;
    this.phaseTimer = setTimeout(() => this.expire(phase, ms), ms);
  }

  private expire(phase: Phase, ms: number): void {
    this.expired ??= new JobTimeoutError(phase, ms);
    this.stop.abort();
  }
}
