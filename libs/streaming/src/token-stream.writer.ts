import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Redis from 'ioredis';

import { queueConfig } from '@gridllm/config';
import { StreamErrorData, StreamEventType } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { JobStreamAppender, StreamFencedError } from './job-stream-appender';
import { LoopPacer } from './loop-pacer';
import { StreamBudget } from './stream-budget';
import { encodeEventFields } from './token-stream.codec';

/**
 * One batch of XADDs, run only while the job's owner key holds this run's fence (ARGV[1]; empty: no
 * fence). Checked atomically with the writes, so a run that lost the job can never add a line after
 * the new owner's. ARGV[2] is MAXLEN; ARGV[3], for a batch that ends the stream, lets the stream expire in
 * that many seconds and gives the owner key up (the run's end in the same trip as its last line; empty:
 * neither); then per event: its id, the number of fields, the fields.
 */
const FENCED_APPEND = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('FENCED') end
local i = 4
while i <= #ARGV do
  local n = tonumber(ARGV[i + 1])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[i], unpack(ARGV, i + 2, i + 1 + n))
  i = i + 2 + n
end
if ARGV[3] ~= '' then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  if ARGV[1] ~= '' then redis.call('DEL', KEYS[2]) end
end
return 1`;

/** A batch takes about a millisecond; one not stored within this means Redis is gone: the job fails. */
const WRITE_TIMEOUT_MS = 5000;

interface AppendingRedis extends Redis {
  gridllmAppend(stream: string, owner: string, ...args: Array<string | number>): Promise<number>;
}

/** Creates appenders for the worker's running jobs, and lets a gateway write a terminal event itself. */
@Injectable()
export class TokenStreamWriter {
  private connection: AppendingRedis | null = null;

  constructor(
    private readonly client: RedisClient,
    private readonly connections: RedisConnectionFactory,
    private readonly pacer: LoopPacer,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  /**
   * An appender for one attempt. With a `fence` (the run's owner token, see StreamOwnership) every
   * batch is refused once another run owns the job. With `retainSeconds`, the batch holding the terminal
   * event (`final` or `error`) also lets the stream expire in that many seconds and releases the owner key,
   * as StreamOwnership.release would (see JobStreamAppender.ended): one round trip and two commands fewer
   * per job.
   */
  open(jobId: string, attempt: number, fence = '', retainSeconds?: number): JobStreamAppender {
    const redis = this.tokenConnection();
    const stream = this.client.keys.jobStream(jobId);
    const owner = this.client.keys.jobOwner(jobId);
    const { streamMaxEvents: maxEvents, streamMaxBytes: maxBytes } = this.queue;
    return new JobStreamAppender(
      async (entries, ends) => {
        const expiry = ends && retainSeconds !== undefined ? String(retainSeconds) : '';
        // Per entry: its id, its number of fields, the fields (see FENCED_APPEND).
        const args: string[] = [expiry];
        for (const entry of entries) {
          args.push(entry[0], String(entry.length - 1));
          for (let field = 1; field < entry.length; field++) args.push(entry[field]);
        }
        try {
          await redis.gridllmAppend(stream, owner, fence, maxEvents, ...args);
        } catch (error) {
          throw /\bFENCED\b/.test((error as Error).message) ? new StreamFencedError(jobId) : error;
        }
      },
      jobId,
      attempt,
      new StreamBudget({ maxEvents, maxBytes }),
      () => this.pacer.pace(),
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

  /**
   * Token writes have a connection of their own, opened with the first job: a flood of them never
   * queues in front of heartbeats, lock renewals or cancellations on the command connection.
   */
  private tokenConnection(): AppendingRedis {
    if (!this.connection) {
      const connection = this.connections.create('gridllm-token-writer', {
        commandTimeoutMs: WRITE_TIMEOUT_MS,
        autoPipelining: true,
      });
      connection.defineCommand('gridllmAppend', { numberOfKeys: 2, lua: FENCED_APPEND });
      this.connection = connection as AppendingRedis;
    }
    return this.connection;
  }
}
