import { OllamaChunk, StreamErrorData } from '@gridllm/contracts';
import { StreamingResponse, TurnWrites } from '@gridllm/streaming';

import { JobSink, forEachLine } from '../common/job-sink';
import { openAiError } from './openai-error';
import { SseTranslator } from './openai-wire';

export const SSE_CONTENT_TYPE = 'text/event-stream';

/**
 * Server-Sent Events the way Ollama's middlewares write them: `data: <json>\n\n` per event (with an
 * `event: <type>` line first for the named families), each flushed in the turn it comes (see TurnWrites).
 */
export class SseWriter {
  private readonly writes: TurnWrites;

  constructor(private readonly res: StreamingResponse) {
    this.writes = new TurnWrites(res);
  }

  get started(): boolean {
    return this.res.headersSent;
  }

  event(data: object | string, name?: string): void {
    if (this.res.writableEnded) return;
    this.open();
    const head = name ? `event: ${name}\n` : '';
    this.writes.write(`${head}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }

  /** OpenAI's normal end of a chat or completions stream. */
  done(): void {
    this.event('[DONE]');
    this.end();
  }

  end(): void {
    this.writes.flush();
    if (!this.res.writableEnded) this.res.end();
  }

  /** Sets status and headers: they leave with the first event, in one write (see NdjsonWriter.open). */
  private open(): void {
    if (this.res.headersSent) return;
    this.res.status(200);
    this.res.setHeader('Content-Type', SSE_CONTENT_TYPE);
    this.res.setHeader('Cache-Control', 'no-cache');
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.socket?.setNoDelay(true);
  }
}

/** What the sink needs of the HTTP response beyond the writer: the JSON error answer before any event. */
export interface SseResponse extends StreamingResponse {
  type(contentType: string): unknown;
  send(body: string): unknown;
}

/** How one API family frames its SSE: event names, the end marker and its error body. */
export interface SseFamily {
  /** `event: <type>` before each data line, the type being the event's own `type` field. */
  readonly named: boolean;
  /** `data: [DONE]` after the last event of a finished stream. */
  readonly doneMarker: boolean;
  errorBody(status: number, message: string): object;
}

/** Chat and completions: unnamed events ending in `[DONE]`, errors in OpenAI's shape. */
export const OPENAI_SSE: SseFamily = { named: false, doneMarker: true, errorBody: openAiError };

/** The Responses API: named events, no end marker (`response.completed` is the last). */
export const OPENAI_RESPONSES_SSE: SseFamily = { named: true, doneMarker: false, errorBody: openAiError };

/**
 * Relays a generate/chat job as SSE events of one family. A failure before the first event is a plain
 * JSON error with the job's status; after it, one error event ends the stream (never `[DONE]`).
 */
export class SseSink implements JobSink {
  private readonly writer: SseWriter;
  private translator: SseTranslator;

  constructor(
    private readonly res: SseResponse,
    private readonly newTranslator: () => SseTranslator,
    private readonly family: SseFamily = OPENAI_SSE,
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
    this.write(this.translator.chunk(JSON.parse(raw) as OllamaChunk));
  }

  chunks(lines: string): void {
    forEachLine(lines, (raw) => this.chunk(raw));
  }

  final(raw: string): void {
    this.write(this.translator.final(JSON.parse(raw) as OllamaChunk));
    if (this.family.doneMarker) this.writer.done();
    else this.writer.end();
  }

  failed(error: StreamErrorData): void {
    const status = httpStatus(error.status);
    if (!this.writer.started) {
      this.res.status(status);
      this.res.type('application/json');
      this.res.send(JSON.stringify(this.family.errorBody(status, error.error)));
      return;
    }
    this.write(this.translator.failed?.(status, error.error) ?? [this.family.errorBody(status, error.error)]);
    this.writer.end();
  }

  private write(events: object[]): void {
    for (const event of events) this.writer.event(event, this.family.named ? eventName(event) : undefined);
  }
}

/** The named families' events carry their name as `type` (`message_start`, `response.created`…). */
function eventName(event: object): string | undefined {
  const type = (event as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/** Statuses a client can receive (499, "client closed", is not one). */
function httpStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 && status !== 499 ? status : 500;
}
