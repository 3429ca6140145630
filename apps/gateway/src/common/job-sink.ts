import type { Response } from 'express';

import { JobFailedError, JobKind, OllamaChunk, StreamErrorData } from '@gridllm/contracts';
import { NdjsonWriter, ResponseAccumulator } from '@gridllm/streaming';

/** Where a job's events go: an NDJSON response, or an accumulator for `stream:false`. */
export interface JobSink {
  /** A worker took the job after `queueMs` in the queue. */
  workerAssigned(workerId: string, queueMs: number): void;
  chunk(raw: string): void;
  /** Several chunk lines joined by newlines (see StreamEvent.lines), in order; `forEachLine` splits them. */
  chunks(lines: string): void;
  final(raw: string): void;
  failed(error: StreamErrorData): void;
  /** True once the client has received any part of the answer. */
  readonly emitted: boolean;
  /** A new attempt of the job started elsewhere: forget the old one; false when the client already saw output. */
  restart(): boolean;
}

/** Relays chunks as NDJSON lines, byte for byte as the engine sent them. */
export class NdjsonSink implements JobSink {
  private readonly writer: NdjsonWriter;

  constructor(private readonly res: Response) {
    this.writer = new NdjsonWriter(res);
  }

  get emitted(): boolean {
    return this.writer.started;
  }

  workerAssigned(workerId: string, queueMs: number): void {
    if (this.res.headersSent) return;
    this.res.setHeader('x-gridllm-worker', workerId);
    this.res.setHeader('x-gridllm-queue-ms', String(queueMs));
  }

  restart(): boolean {
    return !this.writer.started;
  }

  chunk(raw: string): void {
    this.writer.line(raw);
  }

  /** The lines as they came, in one write: NDJSON lines joined by newlines are NDJSON. */
  chunks(lines: string): void {
    this.writer.line(lines);
  }

  final(raw: string): void {
    this.writer.line(raw);
    this.writer.end();
  }

  /** Before any byte: the real status with a JSON error body. After: one `{"error"}` line ends the stream. */
  failed(error: StreamErrorData): void {
    if (!this.writer.started) {
      this.res
        .status(httpStatus(error.status))
        .type('application/json')
        .send(JSON.stringify({ error: error.error }));
      return;
    }
    this.writer.error(error.error);
  }
}

/** Collects chunks into the single object Ollama returns for `stream:false`. */
export class CollectingSink implements JobSink {
  private accumulator: ResponseAccumulator;
  private received = false;
  workerId: string | undefined;
  queueMs: number | undefined;
  result: OllamaChunk | undefined;
  failure: JobFailedError | undefined;

  constructor(private readonly kind: JobKind) {
    this.accumulator = new ResponseAccumulator(kind);
  }

  /** Nothing was sent yet, so a re-run on another worker is invisible: start collecting afresh. */
  restart(): boolean {
    this.accumulator = new ResponseAccumulator(this.kind);
    this.received = false;
    return true;
  }

  get emitted(): boolean {
    return this.received;
  }

  workerAssigned(workerId: string, queueMs: number): void {
    this.workerId = workerId;
    this.queueMs = queueMs;
  }

  chunk(raw: string): void {
    this.received = true;
    this.accumulator.add(JSON.parse(raw) as OllamaChunk);
  }

  chunks(lines: string): void {
    forEachLine(lines, (raw) => this.chunk(raw));
  }

  final(raw: string): void {
    this.chunk(raw);
    this.result = this.accumulator.result();
  }

  failed(error: StreamErrorData): void {
    this.failure = new JobFailedError(error.error, httpStatus(error.status));
  }
}

/** Calls `each` for every line of `lines` (chunk lines joined by newlines, see JobSink.chunks). */
export function forEachLine(lines: string, each: (line: string) => void): void {
  for (const line of lines.split('\n')) each(line);
}

/** 499 (client closed) is not a status a client can receive; report it as a plain 400-range code Ollama uses. */
function httpStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}
