import { readFileSync } from 'node:fs';

/** Resident memory of a process in MiB from /proc/<pid>/status (Linux); null when it cannot be read. */
export function rssMiB(pid: number): number | null {
  try {
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of some processes every `intervalMs` while running, keeping each one's peak. */
export class RssPeaks {
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pids: Record<string, number | undefined>) {}

  start(intervalMs = 100): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Stops sampling; the peak MiB per label (a process never read is left out). */
  stop(): Record<string, number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return Object.fromEntries(this.peaks);
  }

  private sample(): void {
    for (const [label, pid] of Object.entries(this.pids)) {
      const mib = pid ? rssMiB(pid) : null;
      if (mib !== null) this.peaks.set(label, Math.max(this.peaks.get(label) ?? 0, mib));
    }
  }
}
