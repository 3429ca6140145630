import type { TestGrid } from './test-grid';

/** Worker log lines that mean a job's lock, fence or heartbeat was in trouble (any of them fails a test). */
export const TROUBLE_IN_LOGS =
  /lock lost|Missing lock|lock renewal failed|heartbeat failed|Command timed out|another run owns|still running as|earlier run/i;

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Polls the gateway's /admin/workers while a test loads a worker, and records every moment the worker
 * was not `ready` or its last heartbeat was older than 3 intervals (the point where it counts as dead).
 */
export class HeartbeatWatch {
  samples = 0;
  private readonly lapses: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly grid: TestGrid,
    private readonly workerId: string,
    private readonly intervalMs = 200,
  ) {
    this.loop = this.watch();
  }

  /** Stops watching; returns the lapses seen (empty when the worker stayed ready throughout). */
  async stop(): Promise<string[]> {
    this.running = false;
    await this.loop;
    return this.lapses;
  }

  private async watch(): Promise<void> {
    while (this.running) {
      const response = await fetch(`${this.grid.gatewayUrl}/admin/workers`, {
        headers: this.grid.adminHeaders(),
      });
      const workers = (await response.json()) as Array<{
        id: string;
        status: string;
        lastHeartbeatAt: number;
        heartbeatIntervalMs: number;
      }>;
      const worker = workers.find((candidate) => candidate.id === this.workerId);
      const age = worker ? Date.now() - worker.lastHeartbeatAt : Infinity;
      if (!worker || worker.status !== 'ready' || age > 3 * worker.heartbeatIntervalMs)
        this.lapses.push(`${new Date().toISOString()} ${worker?.status ?? 'gone'}, last beat ${age} ms ago`);
      this.samples += 1;
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }
}
