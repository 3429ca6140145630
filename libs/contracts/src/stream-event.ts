/** Kinds of entries in a job's token stream (a Redis Stream, read from the start). */
export enum StreamEventType {
  /** The worker took the job; data is the worker id. */
  Started = 'started',
  /** One engine chunk, the exact JSON text the engine sent (one NDJSON line without the newline). */
  Chunk = 'chunk',
  /** The engine's final `done:true` chunk; the stream ends after it. */
  Final = 'final',
  /** The job failed; data is JSON `{ "error": string, "status": number }`. The stream ends after it. */
  Error = 'error',
}

export interface StreamEvent {
  /** Stream entry id, `<attempt>-<sequence>`: increasing, so a reader can resume after any id. */
  id: string;
  type: StreamEventType;
  attempt: number;
  data: string;
  /**
   * A chunk event read joined (TokenStreamReader.batches with `joined`): this many consecutive lines, `data`
   * holding them joined by newlines and `id` the last one's. Absent: one line.
   */
  lines?: number;
  /**
   * A `started` event the worker held before writing it (a merged answer's, written with its lines): how many
   * ms it waited. The job started that long before the event arrived. Absent: written at once.
   */
  heldMs?: number;
}

export interface StreamErrorData {
  error: string;
  status: number;
}

export function isTerminalEvent(event: StreamEvent): boolean {
  return event.type === StreamEventType.Final || event.type === StreamEventType.Error;
}
