import { Injectable } from '@nestjs/common';

import { RATE_COUNT_FUNCTION, RateCount, RateCountReply, RateCountTerms, rateCountOf } from '@gridllm/access';
import { RedisConnection } from '@gridllm/redis';

/** The gateway's own count (routes that queue no job, and a job's request the enqueue script does not count). */
const COUNT_SCRIPT = `${RATE_COUNT_FUNCTION}
return rateCount(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
`;

type WithCount = RedisConnection & {
  gridllmRateCount(
    hits: string,
    blocked: string,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<RateCountReply>;
};

/**
 * Request counters in Redis, shared by every gateway replica. The script is sent once and then called by
 * its SHA (EVALSHA): sending its text with every request cost each one about 0.2 ms of CPU. Keys keep the
 * names the throttler storage gave them (`{tracker:default}:hits`, `:blocked`; the braces keep both in one
 * Cluster slot) under the connection's prefix, so counters survive an upgrade.
 */
@Injectable()
export class RateCounter {
  private readonly redis: WithCount;
  /** The connection's key prefix: another connection's script needs the keys in full. */
  private readonly prefix: string;

  constructor(connection: RedisConnection) {
    connection.defineCommand('gridllmRateCount', { numberOfKeys: 2, lua: COUNT_SCRIPT });
    this.redis = connection as WithCount;
    this.prefix = connection.options.keyPrefix ?? '';
  }

  /** Adds one request to `tracker`'s window; over `limit`, blocks it for `blockMs`. */
  async increment(tracker: string, windowMs: number, limit: number, blockMs: number): Promise<RateCount> {
    const tag = `{${tracker}:default}`;
    return rateCountOf(
      await this.redis.gridllmRateCount(`${tag}:hits`, `${tag}:blocked`, windowMs, limit, blockMs),
    );
  }

  /** The same count's terms with the keys in full, for a script run on another connection. */
  terms(tracker: string, windowMs: number, limit: number, blockMs: number): RateCountTerms {
    const tag = `${this.prefix}{${tracker}:default}`;
    return { hitsKey: `${tag}:hits`, blockedKey: `${tag}:blocked`, windowMs, limit, blockMs };
  }
}
