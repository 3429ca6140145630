import { Injectable } from '@nestjs/common';

/** Completed generate and chat jobs per model on this worker: the canary and the warm-up pick from it. */
@Injectable()
export class ModelUsage {
  private readonly counts = new Map<string, number>();

  record(model: string): void {
    this.counts.set(model, (this.counts.get(model) ?? 0) + 1);
  }

  count(model: string): number {
    return this.counts.get(model) ?? 0;
  }

  /** Among `candidates`, the one used most here (ties: the first); undefined when there are none. */
  mostUsed(candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    for (const model of candidates) {
      if (best === undefined || (this.counts.get(model) ?? 0) > (this.counts.get(best) ?? 0)) best = model;
    }
    return best;
  }
}
