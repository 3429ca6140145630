import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** CPU time of processes from /proc/<pid>/stat (Linux); a process that cannot be read counts as null. */

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim()) || 100;
  } catch {
    return 100;
  }
}

const TICKS = clockTicksPerSecond();

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine, all cores (/proc/stat: everything but idle and iowait). */
export function machineBusySeconds(): number | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return (total - (fields[3] ?? 0) - (fields[4] ?? 0)) / TICKS;
  } catch {
    return null;
  }
}

const MACHINE = 'whole machine';
const OTHERS = 'other processes';

/** CPU use per process while tasks run, summed per label; 100 % is one core fully busy. */
export class CpuMeter {
  private readonly totals = new Map<string, { wallMs: number; cpu: Map<string, number> }>();

  constructor(private readonly pids: Record<string, number | undefined>) {}

  async measure<T>(label: string, task: () => Promise<T>): Promise<T> {
    const before = this.snapshot();
    const start = performance.now();
    try {
      return await task();
    } finally {
      const wallMs = performance.now() - start;
      const after = this.snapshot();
      const total = this.totals.get(label) ?? { wallMs: 0, cpu: new Map<string, number>() };
      total.wallMs += wallMs;
      for (const [role, seconds] of after) {
        const earlier = before.get(role);
        if (earlier !== undefined) total.cpu.set(role, (total.cpu.get(role) ?? 0) + seconds - earlier);
      }
      this.totals.set(label, total);
    }
  }

  /**
   * Average CPU % per process over everything measured under `label`, then what all other processes of
   * the machine used, then the whole machine (100 % × cores when saturated).
   */
  percentages(label: string): Array<{ role: string; percent: number }> {
    const total = this.totals.get(label);
    if (!total || total.wallMs <= 0) return [];
    const percent = (seconds: number) => (seconds * 100_000) / total.wallMs;
    const ours = [...total.cpu.entries()].filter(([role]) => role !== MACHINE);
    const rows = ours.map(([role, seconds]) => ({ role, percent: percent(seconds) }));
    const machine = total.cpu.get(MACHINE);
    if (machine === undefined) return rows;
    const oursSeconds = ours.reduce((sum, [, seconds]) => sum + seconds, 0);
    return [
      ...rows,
      { role: OTHERS, percent: Math.max(0, percent(machine - oursSeconds)) },
      { role: MACHINE, percent: percent(machine) },
    ];
  }

  private snapshot(): Map<string, number> {
    const snapshot = new Map<string, number>();
    for (const [role, pid] of Object.entries(this.pids)) {
      const seconds = pid ? cpuSeconds(pid) : null;
      if (seconds !== null) snapshot.set(role, seconds);
    }
    const machine = machineBusySeconds();
    if (machine !== null) snapshot.set(MACHINE, machine);
    return snapshot;
  }
}
