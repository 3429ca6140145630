import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Redis from 'ioredis';

import { queueConfig } from '@gridllm/config';
import { StreamErrorData, StreamEventType } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { JobStreamAppender, StreamFencedError } from './job-stream-appender';
import { LoopPacer } from './loop-pacer';
import { StreamBudget } from './stream-budget';
import { StreamOwnership } from './stream-ownership';
import { encodeEventFields } from './token-stream.codec';

/**
 * Lua: `append_batch(stream, owner, base)` adds one batch of XADDs, run only while the job's owner key holds
 * this run's fence (ARGV[base]; empty: no fence). Checked atomically with the writes, so a run that lost the
 * job can never add a line after the new owner's. ARGV[base + 1] is MAXLEN; ARGV[base + 2], for a batch that
 * ends the stream, lets the stream expire in that many seconds and gives the owner key up (the run's end in
 * the same trip as its last line; empty: neither); ARGV[base + 3] is the owner key's lifetime in ms; then per
 * event, to the end of ARGV: its id, the number of fields, the fields. Returns 1, or the FENCED error reply
 * (nothing written), which a caller must return.
 * A batch that ends the run reads the owner key and drops it in one GETDEL (issue 15: one command per job);
 * when the key turns out to be another run's, it is put back with a whole lifetime, which its run renews
 * within half of that anyway (Redis 6.2 or newer, as XADD's MINID already asks of the grid).
 */
export const APPEND_BATCH_LUA = `
local function append_batch(stream, owner, base)
  local fence, ends = ARGV[base], ARGV[base + 2] ~= ''
  if fence ~= '' then
    local holder = redis.call(ends and 'GETDEL' or 'GET', owner)
    if holder ~= fence then
      if ends and holder then redis.call('SET', owner, holder, 'PX', ARGV[base + 3]) end
      return redis.error_reply('FENCED')
    end
  end
  local i = base + 4
  while i <= #ARGV do
    local n = tonumber(ARGV[i + 1])
    redis.call('XADD', stream, 'MAXLEN', '~', ARGV[base + 1], ARGV[i], unpack(ARGV, i + 2, i + 1 + n))
    i = i + 2 + n
  end
  if ends then redis.call('EXPIRE', stream, ARGV[base + 2]) end
  return 1
end`;

/** One batch (APPEND_BATCH_LUA). KEYS: stream, owner. ARGV: as append_batch's from 1. */
const FENCED_APPEND = `${APPEND_BATCH_LUA}
return append_batch(KEYS[1], KEYS[2], 1)`;

/**
 * One batch as a script runs it (APPEND_BATCH_LUA): the stream and owner keys, the ARGV from `base` on, and
 * the connection the job's batches go on (its command timeout says when Redis counts as gone). A script
 * that does more in the same trip (JobFinish's completion with the final line) takes it whole.
 */
export interface AppendCall {
  stream: string;
  owner: string;
  args: string[];
  connection: Redis;
}

/** Stores the batch holding the final line in a trip of its own making (see JobStreamAppender.final). */
export type FinalRoute = (call: AppendCall) => Promise<void>;

/** A batch takes about a millisecond; one not stored within this means Redis is gone: the job fails. */
const WRITE_TIMEOUT_MS = 5000;

interface AppendingRedis extends Redis {
  gridllmAppend(stream: string, owner: string, ...args: string[]): Promise<number>;
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
    const ownerTtlMs = String(StreamOwnership.ttlMs(this.queue));
    return new JobStreamAppender(
      async (entries, ends, route) => {
        const expiry = ends && retainSeconds !== undefined ? String(retainSeconds) : '';
        // The fence, MAXLEN, the expiry, the owner key's lifetime, then per entry: its id, its number of
        // fields, the fields.
        const args: string[] = [fence, String(maxEvents), expiry, ownerTtlMs];
        for (const entry of entries) {
          args.push(entry[0], String(entry.length - 1));
          for (let field = 1; field < entry.length; field++) args.push(entry[field]);
        }
        try {
          if (route) await route({ stream, owner, args, connection: redis });
          else await redis.gridllmAppend(stream, owner, ...args);
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
