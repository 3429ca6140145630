import Redis from 'ioredis';

import { RedisClient } from '@gridllm/redis';

/**
 * Counts the jobs still waiting in one queue and, when none does, takes BullMQ's base marker back out.
 * BullMQ re-adds the marker on every take whether or not more jobs wait, so a slot loop that sleeps on
 * markers would wake at once and run an empty moveToActive (six commands in Lua) after every job.
 * One script, so a job added meanwhile either is counted or re-adds the marker after the ZREM: no
 * sleeper can miss it.
 */
const SETTLE = `
local waiting = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if waiting == 0 then redis.call('ZREM', KEYS[3], '0') end
return waiting`;

/** The BullMQ keys of one queue the script reads. */
export interface BacklogKeys {
  wait: string;
  prioritized: string;
  marker: string;
}

interface BacklogRedis extends Redis {
  gridllmSettleMarker(wait: string, prioritized: string, marker: string): Promise<number>;
}

/** How many jobs a queue still holds for takers, right after a take (see SETTLE). */
export class QueueBacklog {
  private readonly redis: BacklogRedis;

  constructor(client: RedisClient) {
    client.redis.defineCommand('gridllmSettleMarker', { numberOfKeys: 3, lua: SETTLE });
    this.redis = client.redis as BacklogRedis;
  }

  /** Jobs waiting (plain and prioritised); the marker is cleared when that is 0. */
  settle(keys: BacklogKeys): Promise<number> {
    return this.redis.gridllmSettleMarker(keys.wait, keys.prioritized, keys.marker);
  }
}
