/**
 * Merges the pull progress of several workers into one Ollama-style stream: a layer's `total` and
 * `completed` are summed over the workers pulling it, so a client's progress bar moves once from 0 to
 * the whole; plain status lines pass once each; the workers' own `success` lines are held back (the
 * gateway says success only when every worker succeeded).
 */
export class PullProgressMerger {
  private readonly layers = new Map<string, Map<string, { total: number; completed: number }>>();
  private lastStatus = '';

  /** The merged line to send for one worker's progress line, or null when there is nothing new. */
  merge(workerId: string, line: string): Record<string, unknown> | null {
    let progress: Record<string, unknown>;
    try {
      progress = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return null;
    }
    const status = typeof progress.status === 'string' ? progress.status : '';
    if (status === 'success') return null;
    if (typeof progress.digest !== 'string') {
      if (status === this.lastStatus) return null;
      this.lastStatus = status;
      return progress;
    }
    const perWorker =
      this.layers.get(progress.digest) ?? new Map<string, { total: number; completed: number }>();
    perWorker.set(workerId, {
      total: Number(progress.total) || 0,
      completed: Number(progress.completed) || 0,
    });
    this.layers.set(progress.digest, perWorker);
    const sum = [...perWorker.values()].reduce((a, b) => ({
      total: a.total + b.total,
      completed: a.completed + b.completed,
    }));
    this.lastStatus = status;
    return { status, digest: progress.digest, total: sum.total, completed: sum.completed };
  }
}
