/** What a fuzz run did: statuses seen and the slowest requests, for the one summary line it prints. */
export class FuzzStats {
  private readonly statuses = new Map<number, number>();
  private readonly slowest: Array<[number, string]> = [];
  private readonly startedAt = Date.now();

  record(status: number, elapsedMs: number, what: string): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    this.slowest.push([elapsedMs, `${what} ${status}`]);
    this.slowest.sort(([a], [b]) => b - a).splice(3);
  }

  summary(label: string, runs: number): string {
    const histogram = [...this.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    const slowest = this.slowest.map(([ms, what]) => `${ms} ms ${what}`).join(' | ');
    return `${label}: ${runs} requests in ${seconds} s; statuses ${histogram.join(' ')}; slowest ${slowest}`;
  }
}
