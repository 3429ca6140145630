import { GridError } from '@gridllm/contracts';

/** One attempt's output outgrew its job stream's caps; the job ends with this message as its error line. */
export class StreamLimitError extends GridError {
  readonly status = 502;
}

/** The caps of one attempt's stream (STREAM_MAX_EVENTS, STREAM_MAX_BYTES). */
export interface StreamLimits {
  maxEvents: number;
  maxBytes: number;
}

/**
 * Counts what one attempt writes to its job stream, so that a runaway generation ends with a clear
 * error line instead of Redis growing without bound or MAXLEN silently trimming the stream's start.
 * One event is always kept free: the error line itself must still fit.
 */
export class StreamBudget {
  private events = 0;
  private bytes = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** Accounts for one event's data; throws StreamLimitError (and counts nothing) when it does not fit. */
  charge(data: string): void {
    const events = this.events + 1;
    const bytes = this.bytes + Buffer.byteLength(data, 'utf8');
    if (events >= this.limits.maxEvents) {
      throw new StreamLimitError(
        `response exceeded STREAM_MAX_EVENTS (${this.limits.maxEvents} events); generation stopped`,
      );
    }
    if (bytes > this.limits.maxBytes) {
      throw new StreamLimitError(
        `response exceeded STREAM_MAX_BYTES (${this.limits.maxBytes} bytes); generation stopped`,
      );
    }
    this.events = events;
    this.bytes = bytes;
  }
}
