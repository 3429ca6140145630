import { StreamErrorData } from '@gridllm/contracts';

import { JobSink } from '../common/job-sink';

/**
 * Passes every event on to the real sink and notes what the metrics need: when the first chunk went
 * out, the queue wait, and the final chunk's `eval_count`. A restarted attempt forgets what the
 * abandoned one produced.
 */
export class MeteredSink implements JobSink {
  firstChunkAt: number | undefined;
  queueMs: number | undefined;
  workerId: string | undefined;
  evalCount: number | undefined;
  completed = false;

  constructor(
    private readonly inner: JobSink,
    private readonly now: () => number = Date.now,
  ) {}

  get emitted(): boolean {
    return this.inner.emitted;
  }

  workerAssigned(workerId: string, queueMs: number): void {
    this.queueMs = queueMs;
    this.workerId = workerId;
    this.inner.workerAssigned(workerId, queueMs);
  }

  chunk(raw: string): void {
    this.firstChunkAt ??= this.now();
    this.inner.chunk(raw);
  }

  chunks(lines: string): void {
    this.firstChunkAt ??= this.now();
    this.inner.chunks(lines);
  }

  final(raw: string): void {
    this.firstChunkAt ??= this.now();
    this.inner.final(raw);
    this.evalCount = evalCountOf(raw);
    this.completed = true;
  }

  failed(error: StreamErrorData): void {
    this.inner.failed(error);
  }

  restart(): boolean {
    const restarted = this.inner.restart();
    if (restarted) this.firstChunkAt = undefined;
    return restarted;
  }
}

/** `eval_count` of a final chunk (tokens generated); undefined when absent or not JSON. */
export function evalCountOf(raw: string): number | undefined {
  try {
    const count = (JSON.parse(raw) as { eval_count?: unknown }).eval_count;
    return typeof count === 'number' && Number.isFinite(count) && count >= 0 ? count : undefined;
  } catch {
    return undefined;
  }
}
