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
 * Lua: `fenced_append(stream, owner, base)` adds one batch of entries to a job's stream, only while the
 * job's owner key holds this run's fence (ARGV[base]; empty: no fence), and answers false, writing
 * nothing, once it does not. Checked atomically with the writes, so a run that lost the job can never add
 * a line after the new owner's. ARGV[base + 1] is MAXLEN; ARGV[base + 2], for a batch that ends the
 * stream, lets the stream expire in that many seconds and gives the owner key up (the run's end in the
 * same trip as its last line; empty: neither); then, to the end of ARGV, per entry: its id, the number of
 * fields, the fields (see TokenStreamWriter.appendArgs).
 */
export const FENCED_APPEND_LUA = `
local function fenced_append(stream, owner, base)
  local fence = ARGV[base]
  if fence ~= '' and redis.call('GET', owner) ~= fence then return false end
  local i = base + 3
  while i <= #ARGV do
    local n = tonumber(ARGV[i + 1])
    redis.call('XADD', stream, 'MAXLEN', '~', ARGV[base + 1], ARGV[i], unpack(ARGV, i + 2, i + 1 + n))
    i = i + 2 + n
  end
  if ARGV[base + 2] ~= '' then
    redis.call('EXPIRE', stream, ARGV[base + 2])
    if fence ~= '' then redis.call('DEL', owner) end
  end
  return true
end`;

/** FENCED_APPEND_LUA on its own. KEYS: stream, owner. Replies 1, or the error FENCED. */
const FENCED_APPEND = `${FENCED_APPEND_LUA}
if not fenced_append(KEYS[1], KEYS[2], 1) then return redis.error_reply('FENCED') end
return 1`;

/** What a job's last batch carries when it goes through another script (see FinalAppend). */
export interface FinalBatch {
  stream: string;
  owner: string;
  /** FENCED_APPEND_LUA's arguments, from `base`. */
  args: string[];
}

/**
 * Stores the batch that holds a job's `final` event in a script of the caller's, which runs
 * FENCED_APPEND_LUA with the batch's `args` and does more in the same step (the job's completion, see
 * JobSource.completeWithFinal). Rejects with an error whose message holds FENCED when the run was fenced
 * out, as the plain append does.
 */
export type FinalAppend = (batch: FinalBatch) => Promise<void>;

/** FENCED_APPEND_LUA's arguments for one batch: fence, MAXLEN, the expiry ('' for none), then the entries. */
function appendArgs(
  fence: string,
  maxEvents: number,
  expirySeconds: number | undefined,
  entries: string[][],
): string[] {
  const args = [fence, String(maxEvents), expirySeconds === undefined ? '' : String(expirySeconds)];
  for (const entry of entries) {
    args.push(entry[0], String(entry.length - 1));
    for (let field = 1; field < entry.length; field++) args.push(entry[field]);
  }
  return args;
}

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
  open(
    jobId: string,
    attempt: number,
    fence = '',
    retainSeconds?: number,
    finalAppend?: FinalAppend,
  ): JobStreamAppender {
    const redis = this.tokenConnection();
    const stream = this.client.keys.jobStream(jobId);
    const owner = this.client.keys.jobOwner(jobId);
    const { streamMaxEvents: maxEvents, streamMaxBytes: maxBytes } = this.queue;
    return new JobStreamAppender(
      async (entries, end) => {
        const expiry = end && retainSeconds !== undefined ? retainSeconds : undefined;
        const args = appendArgs(fence, maxEvents, expiry, entries);
        try {
          if (end === StreamEventType.Final && finalAppend) await finalAppend({ stream, owner, args });
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
