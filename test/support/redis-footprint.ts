import { readFileSync } from 'node:fs';

import Redis from 'ioredis';

/** What Redis holds, for bounds on retention: sizes from `INFO memory` and `MEMORY USAGE`. */
export interface RedisFootprint {
  /**
   * What all keys hold (sum of MEMORY USAGE). Not `used_memory`: that also counts the connections'
   * query buffers, which Redis shrinks only lazily after a multi-MB command, and says nothing of retention.
   */
  keyBytes: number;
  keys: number;
  /** Keys of per-job state outside BullMQ: token streams and the id → queue index. */
  jobKeys: number;
  /** Placement memory (prompt prefix blocks and sessions → worker): bounded per job, always expiring. */
  affinityKeys: number;
  /** Affinity keys without a TTL (there must be none). */
  affinityKeysWithoutTtl: number;
  largestKey: string;
  largestKeyBytes: number;
}

export async function footprint(redis: Redis): Promise<RedisFootprint> {
  const keys = await redis.keys('*');
  const sizes = await Promise.all(keys.map(async (key) => (await redis.memory('USAGE', key)) ?? 0));
  const largest = sizes.reduce((best, size, index) => (size > sizes[best] ? index : best), 0);
  const affinity = keys.filter((key) => /:(prefix|session):/.test(key));
  const ttls = await Promise.all(affinity.map((key) => redis.pttl(key)));
  return {
    keyBytes: sizes.reduce((sum, size) => sum + size, 0),
    keys: keys.length,
    jobKeys: keys.filter((key) => /:job-(stream|queue):/.test(key)).length,
    affinityKeys: affinity.length,
    affinityKeysWithoutTtl: ttls.filter((ttl) => ttl < 0).length,
    largestKey: keys[largest] ?? '',
    largestKeyBytes: sizes[largest] ?? 0,
  };
}

/** Sizes of the BullMQ job hashes of these ids (found in any queue under the default prefix). */
export async function jobHashesOf(
  redis: Redis,
  jobIds: ReadonlyArray<string | null>,
): Promise<Array<{ id: string; dataBytes: number; totalBytes: number }>> {
  return Promise.all(
    jobIds.map(async (id) => {
      if (!id) throw new Error('a job id is missing');
      const [key] = (await redis.keys(`gridllm:*:${id}`)).filter((name) => !name.includes(':job-'));
      if (!key) throw new Error(`no BullMQ record for job ${id}`);
      return {
        id,
        dataBytes: await redis.hstrlen(key, 'data'),
        totalBytes: (await redis.memory('USAGE', key)) ?? 0,
      };
    }),
  );
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}
