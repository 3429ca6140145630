import { TurnWrites } from './turn-writes';

/** The part of an HTTP response the writers need (Express's Response satisfies it). */
export interface StreamingResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  setHeader(name: string, value: string | number): unknown;
  status(code: number): unknown;
  write(chunk: string): boolean;
  cork?(): void;
  uncork?(): void;
  end(chunk?: string): unknown;
  readonly socket?: { setNoDelay(noDelay?: boolean): unknown } | null;
}

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/**
 * Writes an NDJSON stream the way Ollama does: one JSON object per line, each flushed as it comes,
 * never compressed or buffered by a proxy (X-Accel-Buffering: no).
 */
export class NdjsonWriter {
  private readonly writes: TurnWrites;

  constructor(private readonly res: StreamingResponse) {
    this.writes = new TurnWrites(res);
  }

  get started(): boolean {
    return this.res.headersSent;
  }

  get ended(): boolean {
    return this.res.writableEnded;
  }

  /**
   * Sets status and headers. They leave with the first line, in one write (as Ollama's do), not in a write
   * of their own before it.
   */
  private open(): void {
    if (this.res.headersSent) return;
    this.res.status(200);
    this.res.setHeader('Content-Type', NDJSON_CONTENT_TYPE);
    this.res.setHeader('Cache-Control', 'no-cache');
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.socket?.setNoDelay(true);
  }

  /** Writes one line; `json` is already-serialised JSON (relayed bytes) or an object to serialise. */
  line(json: string | object): void {
    if (this.res.writableEnded) return;
    this.open();
    // Lines of one turn leave together (see TurnWrites); each is still flushed in the turn it is written.
    this.writes.write(`${typeof json === 'string' ? json : JSON.stringify(json)}\n`);
  }

  /** Ends the stream with Ollama's mid-stream error line. */
  error(message: string): void {
    this.line({ error: message });
    this.end();
  }

  end(): void {
    this.writes.flush();
    if (!this.res.writableEnded) this.res.end();
  }
}
