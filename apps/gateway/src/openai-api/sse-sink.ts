import { OllamaChunk, StreamErrorData } from '@gridllm/contracts';
import { StreamingResponse } from '@gridllm/streaming';

import { JobSink } from '../common/job-sink';
import { openAiError } from './openai-error';
import { SseTranslator } from './openai-wire';

export const SSE_CONTENT_TYPE = 'text/event-stream';

/**
 * Server-Sent Events the way Ollama's openai middleware writes them: `data: <json>\n\n` per event,
 * each written (and so flushed) as it comes, ending in `data: [DONE]\n\n`.
 */
export class SseWriter {
  constructor(private readonly res: StreamingResponse) {}

  get started(): boolean {
    return this.res.headersSent;
  }

  event(data: object | string): void {
    if (this.res.writableEnded) return;
    this.open();
    this.res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }

  /** The stream's normal end. */
  done(): void {
    this.event('[DONE]');
    this.end();
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  private open(): void {
    if (this.res.headersSent) return;
    this.res.status(200);
    this.res.setHeader('Content-Type', SSE_CONTENT_TYPE);
    this.res.setHeader('Cache-Control', 'no-cache');
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.socket?.setNoDelay(true);
    this.res.flushHeaders();
  }
}

/** What the sink needs of the HTTP response beyond the writer: the JSON error answer before any event. */
export interface SseResponse extends StreamingResponse {
  type(contentType: string): unknown;
  send(body: string): unknown;
}

/**
 * Relays a generate/chat job as OpenAI SSE chunks. A failure before the first event is a plain JSON
 * error with the job's status; after it, one `data: {"error":{…}}` event ends the stream (no `[DONE]`).
 */
export class SseSink implements JobSink {
  private readonly writer: SseWriter;
  private translator: SseTranslator;

  constructor(
    private readonly res: SseResponse,
    private readonly newTranslator: () => SseTranslator,
  ) {
    this.writer = new SseWriter(res);
    this.translator = newTranslator();
  }

  get emitted(): boolean {
    return this.writer.started;
  }

  workerAssigned(workerId: string, queueMs: number): void {
    if (this.res.headersSent) return;
    this.res.setHeader('x-gridllm-worker', workerId);
    this.res.setHeader('x-gridllm-queue-ms', String(queueMs));
  }

  /** Nothing sent yet: a fresh translator, so the re-run's first delta carries the role again. */
  restart(): boolean {
    if (this.writer.started) return false;
    this.translator = this.newTranslator();
    return true;
  }

  chunk(raw: string): void {
    for (const event of this.translator.chunk(JSON.parse(raw) as OllamaChunk)) this.writer.event(event);
  }

  final(raw: string): void {
    for (const event of this.translator.final(JSON.parse(raw) as OllamaChunk)) this.writer.event(event);
    this.writer.done();
  }

  failed(error: StreamErrorData): void {
    const status = httpStatus(error.status);
    if (!this.writer.started) {
      this.res.status(status);
      this.res.type('application/json');
      this.res.send(JSON.stringify(openAiError(status, error.error)));
      return;
    }
    this.writer.event(openAiError(status, error.error));
    this.writer.end();
  }
}

/** Statuses a client can receive (499, "client closed", is not one). */
function httpStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 && status !== 499 ? status : 500;
}
