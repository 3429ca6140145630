import { StreamErrorData, StreamEventType } from '@gridllm/contracts';

import { StreamBudget } from './stream-budget';
import {
  encodeAnswerFields,
  encodeChunkRunFields,
  encodeEventFields,
  encodeStartedFields,
  eventId,
} from './token-stream.codec';
import type { FinalRoute } from './token-stream.writer';

/** Most events in one batch (one round trip, one script run in Redis: under a millisecond at this size). */
export const MAX_BATCH_EVENTS = 256;
/** Most bytes of event data in one batch. */
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Sends one batch (`<id>, <fields…>` per event) to the job's stream; `ends` when it holds the terminal event,
 * then through `route` when `final` was given one. Rejects when the run is fenced out.
 */
export type BatchSink = (entries: string[][], ends: boolean, route?: FinalRoute) => Promise<void>;

/** Another run of the job owns its stream now (this one lost its fence): it must stop writing and stop. */
export class StreamFencedError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId}: another run owns its token stream`);
    this.name = StreamFencedError.name;
  }
}

/**
 * How long the chunks of a job whose client reads only the merged answer (`stream:false`) may wait to share
 * a write: such a job's lines are written (and read by the gateway) at most ten times a second instead of
 * about once per token, and a quick answer goes out in one write with its final line. The gateway's
 * first-token and stall timeouts are at least 1 s, and a job continued on another worker after a failure
 * resumes from the lines written, so it loses at most this much of its progress.
 */
export const MERGED_ANSWER_HOLD_MS = 100;

/** A relaying job gives the event loop back after this many chunks, so other jobs' I/O runs in between. */
export const YIELD_EVERY_EVENTS = 16;

const READY = Promise.resolve();

interface BufferedEvent {
  type: StreamEventType;
  sequence: number;
  data: string;
  /** When a held `started` event was queued (epoch ms), so its entry can say how long it waited; else 0. */
  queuedAt: number;
}

/**
 * A batch's stream entries: consecutive chunk lines share one entry (one XADD, one entry for every reader
 * to parse, instead of one per token); `started`, `final` and `error` keep entries of their own, so the
 * last entry of an ended stream is its terminal event. With `oneAnswerEntry`, a batch that ends in the final
 * line is one entry holding the events before it (encodeAnswerFields).
 */
function toEntries(events: readonly BufferedEvent[], attempt: number, oneAnswerEntry: boolean): string[][] {
  const answer = oneAnswerEntry ? answerEntry(events, attempt) : null;
  if (answer) return [answer];
  const entries: string[][] = [];
  let run: BufferedEvent[] = [];
  const closeRun = () => {
    if (run.length === 0) return;
    const last = run[run.length - 1];
    entries.push([
      eventId(attempt, last.sequence),
      ...encodeChunkRunFields(
        attempt,
        run.map((e) => e.data),
      ),
    ]);
    run = [];
  };
  for (const event of events) {
    if (event.type === StreamEventType.Chunk) {
      run.push(event);
      continue;
    }
    closeRun();
    const fields =
      event.type === StreamEventType.Started
        ? encodeStartedFields(attempt, event.data, heldMs(event))
        : encodeEventFields(event.type, attempt, event.data);
    entries.push([eventId(attempt, event.sequence), ...fields]);
  }
  closeRun();
  return entries;
}

/**
 * One entry for a batch of `started` (if any), chunk lines, then the final line; null for any other batch,
 * and for the final line alone (its own entry already).
 */
function answerEntry(events: readonly BufferedEvent[], attempt: number): string[] | null {
  const final = events[events.length - 1];
  if (events.length < 2 || final.type !== StreamEventType.Final) return null;
  const [first] = events;
  const started = first.type === StreamEventType.Started ? first : undefined;
  const lines = events.slice(started ? 1 : 0, -1);
  if (lines.some(({ type }) => type !== StreamEventType.Chunk)) return null;
  return [
    eventId(attempt, final.sequence),
    ...encodeAnswerFields(attempt, final.data, {
      started: started && { workerId: started.data, heldMs: heldMs(started) },
      lines: lines.map(({ data }) => data),
    }),
  ];
}

/** How long a held `started` event has waited to be written, in ms; 0 for one written at once. */
function heldMs(started: BufferedEvent): number {
  return started.queuedAt > 0 ? Date.now() - started.queuedAt : 0;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Called every YIELD_EVERY_EVENTS chunks; resolves when the job may go on (see LoopPacer). */
export type Pace = () => Promise<void>;

/**
 * Appends one attempt's events to a job's token stream, in order, with increasing ids. Events that
 * arrive while a batch is on its way are coalesced into the next batch (so a first token goes out at
 * once, and a flood costs one round trip per batch, not per token). At most one batch is in flight and
 * one is buffered: beyond that `chunk` waits, which stops the caller from reading its engine, so a flood
 * or a slow Redis slows this job and nothing else.
 */
export class JobStreamAppender {
  /** Started takes sequence 0, so the n-th NDJSON line of an attempt has id `<attempt>-<n>`. */
  private sequence = -1;
  private emitted = false;
  private buffer: BufferedEvent[] = [];
  private bufferedBytes = 0;
  private inFlight: Promise<void> | null = null;
  private failure: Error | null = null;
  private roomWaiters: Array<() => void> = [];
  private sinceYield = 0;
  /** A buffered event that must not wait: `started`, `final` or `error`. */
  private urgent = false;
  private holdTimer: NodeJS.Timeout | null = null;
  private holdChunksMs = 0;
  /** A batch ending in the final line is written as one entry (see `holdChunks`). */
  private oneAnswerEntry = false;
  private terminalStored = false;
  private terminalSent = false;
  /** How the batch holding the final line is stored, when not by the sink's own write (see `final`). */
  private finalRoute: FinalRoute | undefined;

  constructor(
    private readonly sink: BatchSink,
    readonly jobId: string,
    readonly attempt: number,
    private readonly budget: StreamBudget,
    private readonly pace: Pace = nextTurn,
  ) {}

  /**
   * From now on a chunk may wait up to `ms` for more to share its write (MERGED_ANSWER_HOLD_MS, for a client
   * that reads only the merged answer), and so may `started`: such a client is answered at the end, and a
   * quick answer then reaches the gateway in one read. `final` and `error` still go at once, with what waits.
   * With `oneAnswerEntry` (the job's reader decodes it: MERGED_ANSWER_FIELD), the batch holding the final line
   * is one stream entry, the events before it included: one XADD, not three, for a quick answer.
   */
  holdChunks(ms: number, oneAnswerEntry = false): void {
    this.holdChunksMs = ms;
    this.oneAnswerEntry = oneAnswerEntry;
  }

  /** True once anything the client could see (a chunk) has been queued for writing. */
  get hasEmitted(): boolean {
    return this.emitted;
  }

  /** True once the batch holding the terminal event (`final` or `error`) is stored. */
  get ended(): boolean {
    return this.terminalStored;
  }

  /**
   * True once the batch holding the terminal event is on its way to Redis (or stored). That batch gives the
   * owner key up, so from then on a missing key is this run's own doing, not another run's.
   */
  get ending(): boolean {
    return this.terminalSent;
  }

  /** True once the attempt's `started` event is queued or stored. */
  get hasStarted(): boolean {
    return this.sequence >= 0;
  }

  started(workerId: string): void {
    this.budget.charge(workerId);
    this.enqueue(StreamEventType.Started, workerId);
  }

  /** The attempt's `started` event was stored by the take that entered the run: count it, write nothing. */
  startedStored(workerId: string): void {
    this.budget.charge(workerId);
    this.sequence = Math.max(this.sequence, 0);
  }

  /**
   * Queues a chunk; the promise waits while this job's writes are behind (backpressure), and now and
   * then at a pace point: a fast engine's chunks arrive many per read, and relaying them all in one go
   * would hold up every other job's I/O, heartbeats and lock renewals. Throws StreamLimitError (and
   * writes nothing) when the chunk would pass the stream's caps.
   */
  chunk(rawJson: string): Promise<void> {
    this.budget.charge(rawJson);
    this.emitted = true;
    this.enqueue(StreamEventType.Chunk, rawJson);
    if (this.failure) return Promise.reject(this.failure);
    if (this.full) return this.waitForRoom();
    this.sinceYield = (this.sinceYield + 1) % YIELD_EVERY_EVENTS;
    return this.sinceYield === 0 ? this.pace() : READY;
  }

  /**
   * Queues the final line and waits until it is stored. With a `route`, the batch that holds it is stored
   * through that instead (a script that also records the job's completion in the same trip).
   */
  async final(rawJson: string, route?: FinalRoute): Promise<void> {
    this.budget.charge(rawJson);
    this.finalRoute = route;
    this.emitted = true;
    this.enqueue(StreamEventType.Final, rawJson);
    await this.flush();
  }

  async error(data: StreamErrorData): Promise<void> {
    this.enqueue(StreamEventType.Error, JSON.stringify(data));
    await this.flush();
  }

  /** Waits until every event so far is stored; throws the first write error (Redis gone, fenced out). */
  async flush(): Promise<void> {
    while (!this.failure && (this.inFlight || this.buffer.length > 0)) {
      this.pump();
      await this.inFlight;
    }
    if (this.failure) throw this.failure;
  }

  private get full(): boolean {
    return this.buffer.length >= MAX_BATCH_EVENTS || this.bufferedBytes >= MAX_BATCH_BYTES;
  }

  private enqueue(type: StreamEventType, data: string): void {
    this.sequence += 1;
    if (this.failure) return;
    // Only a held `started` says how long it waited: one written at once must not carry the millisecond that
    // may tick between here and its encoding.
    const queuedAt = type === StreamEventType.Started && this.holdChunksMs > 0 ? Date.now() : 0;
    this.buffer.push({ type, sequence: this.sequence, data, queuedAt });
    this.bufferedBytes += data.length;
    if (type !== StreamEventType.Chunk && (type !== StreamEventType.Started || this.holdChunksMs === 0))
      this.urgent = true;
    this.next();
  }

  /** Sends the buffer now, or (chunks only, holding) once the hold is over or the buffer is full. */
  private next(): void {
    if (this.holdChunksMs > 0 && !this.urgent && !this.full && this.buffer.length > 0) {
      this.holdTimer ??= setTimeout(() => {
        this.holdTimer = null;
        // Held long enough: they go now, or as soon as the batch on its way returns.
        this.urgent = true;
        this.pump();
      }, this.holdChunksMs);
      return;
    }
    this.pump();
  }

  /** Sends the buffer as one batch unless one is already on its way (then it goes when that returns). */
  private pump(): void {
    if (this.inFlight || this.buffer.length === 0 || this.failure) return;
    if (this.holdTimer) {
      clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
    const final = this.buffer.some(({ type }) => type === StreamEventType.Final);
    const ends = final || this.buffer.some(({ type }) => type === StreamEventType.Error);
    const batch = toEntries(this.buffer, this.attempt, this.oneAnswerEntry);
    this.terminalSent ||= ends;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.urgent = false;
    this.inFlight = this.sink(batch, ends, final ? this.finalRoute : undefined).then(
      () => {
        this.terminalStored ||= ends;
        this.settle(null);
      },
      (error: Error) => this.settle(error),
    );
  }

  private settle(error: Error | null): void {
    this.failure ??= error;
    this.inFlight = null;
    this.next();
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private async waitForRoom(): Promise<void> {
    while (this.full && !this.failure) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    if (this.failure) throw this.failure;
  }
}
