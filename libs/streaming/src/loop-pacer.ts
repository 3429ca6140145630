import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EventLoopUtilization, performance } from 'node:perf_hooks';

/** Above this share of busy time the worker's event loop counts as saturated. */
export const BUSY_SHARE = 0.3;
/** How often the share is measured. */
const WINDOW_MS = 100;
/** How long a relaying job pauses at a pace point while the loop is saturated. */
export const PAUSE_MS = 10;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Keeps a process that relays token floods responsive. A job relaying many chunks calls `pace()` every
 * few chunks: normally that gives one turn of the event loop to everything else; while the loop was
 * busy more than half of the last window, it pauses the job a few milliseconds instead. A process that
 * never saturates stays one the OS wakes at once for a heartbeat, a lock renewal or a small job's reply
 * (a CPU-bound one waits for its time slice behind every other busy process on the machine).
 */
@Injectable()
export class LoopPacer implements OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private last: EventLoopUtilization | null = null;
  private saturated = false;

  /** Resolves when the calling job may go on relaying. */
  pace(): Promise<void> {
    this.timer ??= this.measure();
    return this.saturated ? sleep(PAUSE_MS) : nextTurn();
  }

  get isSaturated(): boolean {
    return this.saturated;
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private measure(): NodeJS.Timeout {
    this.last = performance.eventLoopUtilization();
    const timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.saturated = performance.eventLoopUtilization(now, this.last ?? undefined).utilization > BUSY_SHARE;
      this.last = now;
    }, WINDOW_MS);
    timer.unref();
    return timer;
  }
}
