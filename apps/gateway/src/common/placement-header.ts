import type { Response } from 'express';

import { InferenceJobData, StreamErrorData } from '@gridllm/contracts';
import { placementOf } from '@gridllm/scheduler';

import { JobSink } from './job-sink';

/** Says why the worker that took a job was chosen. */
export const PLACEMENT_HEADER = 'x-gridllm-placement';

/** Adds the placement header when a worker takes the job (before the first byte goes out). */
export class PlacementHeaderSink implements JobSink {
  constructor(
    private readonly inner: JobSink,
    private readonly job: Pick<InferenceJobData, 'affinity'>,
    private readonly res: Response,
  ) {}

  get emitted(): boolean {
    return this.inner.emitted;
  }

  workerAssigned(workerId: string, queueMs: number): void {
    if (!this.res.headersSent) this.res.setHeader(PLACEMENT_HEADER, placementOf(this.job, workerId));
    this.inner.workerAssigned(workerId, queueMs);
  }

  chunk(raw: string): void {
    this.inner.chunk(raw);
  }

  chunks(lines: string): void {
    this.inner.chunks(lines);
  }

  final(raw: string): void {
    this.inner.final(raw);
  }

  failed(error: StreamErrorData): void {
    this.inner.failed(error);
  }

  restart(): boolean {
    return this.inner.restart();
  }
}
