import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { StreamErrorData, StreamEventType } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

import { StreamBudget } from './stream-budget';
import { encodeEventFields, eventId } from './token-stream.codec';

/**
 * Appends one attempt's events to a job's token stream, in order, with increasing ids. Writes are
 * pipelined: `started` and `chunk` return at once (one connection keeps them in order) so the engine
 * is never waiting on Redis; `final`, `error` and `flush` wait until everything before them is stored.
 */
export class JobStreamAppender {
  /** Started takes sequence 0, so the n-th NDJSON line of an attempt has id `<attempt>-<n>`. */
  private sequence = -1;
  private emitted = false;
  private pending: Promise<unknown>[] = [];
  private failure: Error | null = null;

  constructor(
    private readonly client: RedisClient,
    private readonly maxEvents: number,
    readonly jobId: string,
    readonly attempt: number,
    private readonly budget: StreamBudget,
  ) {}

  /** True once anything the client could see (a chunk) has been written. */
  get hasEmitted(): boolean {
    return this.emitted;
  }

  started(workerId: string): void {
    this.budget.charge(workerId);
    this.enqueue(StreamEventType.Started, workerId);
  }

  /** Throws StreamLimitError when the chunk would pass the stream's caps (nothing is written then). */
  chunk(rawJson: string): void {
    this.budget.charge(rawJson);
    this.emitted = true;
    this.enqueue(StreamEventType.Chunk, rawJson);
  }

  async final(rawJson: string): Promise<void> {
    this.budget.charge(rawJson);
    this.emitted = true;
    this.enqueue(StreamEventType.Final, rawJson);
    await this.flush();
  }

  async error(data: StreamErrorData): Promise<void> {
    this.enqueue(StreamEventType.Error, JSON.stringify(data));
    await this.flush();
  }

  /** Waits for every write so far; throws the first write error (e.g. Redis gone). */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
    if (this.failure) throw this.failure;
  }

  /** Lets the stream expire `seconds` after the job ended (replay window for readers). */
  async expire(seconds: number): Promise<void> {
    await this.client.redis.expire(this.client.keys.jobStream(this.jobId), seconds);
  }

  private enqueue(type: StreamEventType, data: string): void {
    this.sequence += 1;
    const write = this.client.redis
      .xadd(
        this.client.keys.jobStream(this.jobId),
        'MAXLEN',
        '~',
        this.maxEvents,
        eventId(this.attempt, this.sequence),
        ...encodeEventFields(type, this.attempt, data),
      )
      .catch((error: Error) => {
        this.failure ??= error;
      });
    this.pending.push(write);
  }
}

/** Creates appenders for the worker's running jobs, and lets a gateway write a terminal event itself. */
@Injectable()
export class TokenStreamWriter {
  constructor(
    private readonly client: RedisClient,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  open(jobId: string, attempt: number): JobStreamAppender {
    const { streamMaxEvents: maxEvents, streamMaxBytes: maxBytes } = this.queue;
    return new JobStreamAppender(
      this.client,
      maxEvents,
      jobId,
      attempt,
      new StreamBudget({ maxEvents, maxBytes }),
    );
  }

  /** Ends a job's stream from outside any worker (a queued job cancelled or timed out). */
  async terminate(jobId: string, data: StreamErrorData, retainSeconds: number): Promise<void> {
    const key = this.client.keys.jobStream(jobId);
    await this.client.redis
      .multi()
      .xadd(
        key,
        'MAXLEN',
        '~',
        this.queue.streamMaxEvents,
        '*',
        ...encodeEventFields(StreamEventType.Error, 0, JSON.stringify(data)),
      )
      .expire(key, retainSeconds)
      .exec();
  }
}
