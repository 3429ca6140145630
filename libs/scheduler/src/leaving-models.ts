/** Asked on every take and sleep: no array is made while nothing is leaving. */
const NONE: readonly string[] = [];

/**
 * Models that left this worker's engine (deleted behind its back) while gateways could still admit jobs for
 * them on the worker's claim, which lapses only with a later heartbeat. Their queues are still taken from,
 * so those jobs reach the engine and get its answer (404, as on Ollama) instead of waiting for their
 * deadline. A model ends when a take finds its queue empty, at the earliest one claim lifetime after its
 * claim lapsed: a gateway checks a claim against the time its request came (before its own checks), by its
 * own clock. While the engine is unreachable none is taken: the jobs stay queued for its return.
 */
export class LeavingModels {
  /** Model → the time from which an empty queue ends it. */
  private readonly ends = new Map<string, number>();
  private held = false;

  /** `claimLifetimeMs`: how long a published claim stays live (heartbeat interval × missed beats). */
  constructor(private readonly claimLifetimeMs: number) {}

  /**
   * The worker's models were set: `served` are served (again), `dropped` left the engine if it answered
   * (`engineAnswered`); without an answer from the engine, every leaving model is held.
   */
  update(served: readonly string[], dropped: readonly string[], engineAnswered: boolean): void {
    for (const model of served) this.ends.delete(model);
    if (engineAnswered) {
      // The latest claim published for a dropped model lapses within a claim lifetime from now.
      const end = this.endAfter(this.claimLifetimeMs);
      for (const model of dropped) this.ends.set(model, end);
    }
    this.held = !engineAnswered;
  }

  /** The heartbeat expired the worker's claims on `models` just now. */
  claimsWithdrawn(models: readonly string[]): void {
    for (const model of models) if (this.ends.has(model)) this.ends.set(model, this.endAfter(0));
  }

  /** The leaving models to take from now (none while the engine is unreachable). */
  get models(): readonly string[] {
    return this.held || this.ends.size === 0 ? NONE : [...this.ends.keys()];
  }

  has(model: string): boolean {
    return this.ends.has(model);
  }

  /** Ends the model if its end has come (a take found its queue empty, or another worker serves it). */
  endIfDue(model: string): void {
    if ((this.ends.get(model) ?? Infinity) <= Date.now()) this.ends.delete(model);
  }

  private endAfter(claimLapsesInMs: number): number {
    return Date.now() + claimLapsesInMs + this.claimLifetimeMs;
  }
}
