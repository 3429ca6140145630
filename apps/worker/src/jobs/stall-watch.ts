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
    this.arm('first-token');
  }

  progressed(): void {
    this.arm('stall');
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

  private arm(phase: 'first-token' | 'stall'): void {
    this.phase = phase;
    this.since = Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onStall(this.detail), this.limit());
  }

  private limit(): number {
    return this.phase === 'first-token' ? this.firstTokenMs : this.stallMs;
  }
}
