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

  /** `candidates` from the most used here to the least (ties keep their order). */
  ranked(candidates: readonly string[]): string[] {
    return [...candidates].sort((a, b) => this.count(b) - this.count(a));
  }
}
