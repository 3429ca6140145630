import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { StreamErrorData, StreamEventType } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';

import { encodeEventFields, eventId } from './token-stream.codec';

/** Appends one attempt's events to a job's token stream, in order, with increasing ids. */
export class JobStreamAppender {
  /** Started takes sequence 0, so the n-th NDJSON line of an attempt has id `<attempt>-<n>`. */
  private sequence = -1;
  private emitted = false;

  constructor(
    private readonly client: RedisClient,
    private readonly maxEvents: number,
    readonly jobId: string,
    readonly attempt: number,
  ) {}

  /** True once anything the client could see (a chunk) has been written. */
  get hasEmitted(): boolean {
    return this.emitted;
  }

  started(workerId: string): Promise<void> {
    return this.append(StreamEventType.Started, workerId);
  }

  chunk(rawJson: string): Promise<void> {
    this.emitted = true;
    return this.append(StreamEventType.Chunk, rawJson);
  }

  final(rawJson: string): Promise<void> {
    this.emitted = true;
    return this.append(StreamEventType.Final, rawJson);
  }

  error(data: StreamErrorData): Promise<void> {
    return this.append(StreamEventType.Error, JSON.stringify(data));
  }

  /** Lets the stream expire `seconds` after the job ended (replay window for readers). */
  async expire(seconds: number): Promise<void> {
    await this.client.redis.expire(this.client.keys.jobStream(this.jobId), seconds);
  }

  private async append(type: StreamEventType, data: string): Promise<void> {
    this.sequence += 1;
    await this.client.redis.xadd(
      this.client.keys.jobStream(this.jobId),
      'MAXLEN',
      '~',
      this.maxEvents,
      eventId(this.attempt, this.sequence),
      ...encodeEventFields(type, this.attempt, data),
    );
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
    return new JobStreamAppender(this.client, this.queue.streamMaxEvents, jobId, attempt);
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
