/**
 * The worker's own view of a job's progress: the first token within FIRST_TOKEN_TIMEOUT of the start,
 * then no pause over STALL_TIMEOUT. `onStall` fires once when a limit passes. `overdue` also tells a
 * cancellation that arrives because the gateway's watchdog (same limits, started a moment later) fired
 * first from one that a client asked for.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | null = null;
  private phase: 'first-token' | 'stall' = 'first-token';
  private since = Date.now();

  constructor(
    private readonly firstTokenMs: number,
    private readonly stallMs: number,
    private readonly onStall: (detail: string) => void,
  ) {}

  started(): void {
    this.enter('first-token');
  }

  /**
   * A token only notes the time: the phase's one timer looks at it when it fires and waits out the rest
   * (issue 15's relay row: a timer cleared and set per token was about 4 % of a relaying worker's CPU).
   */
  progressed(): void {
    if (this.phase === 'stall' && this.timer) this.since = Date.now();
    else this.enter('stall');
  }

  /** The current phase's limit has passed without progress. */
  get overdue(): boolean {
    return this.timer !== null && Date.now() - this.since >= this.limit();
  }

  /** What stalled, in the settings' words. */
  get detail(): string {
    const setting = this.phase === 'first-token' ? 'FIRST_TOKEN_TIMEOUT' : 'STALL_TIMEOUT';
    return `no token within ${setting} (${this.limit()} ms)`;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private enter(phase: 'first-token' | 'stall'): void {
    this.phase = phase;
    this.since = Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.check, this.limit());
  }

  /** The timer fired: a stall if nothing came within the limit, else it waits for the rest of it. */
  private readonly check = (): void => {
    const left = this.limit() - (Date.now() - this.since);
    if (left > 0) this.timer = setTimeout(this.check, left);
    else this.onStall(this.detail);
  };

  private limit(): number {
    return this.phase === 'first-token' ? this.firstTokenMs : this.stallMs;
  }
}
