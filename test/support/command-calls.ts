import type Redis from 'ioredis';

/** How many times Redis has run `command` (INFO commandstats; commands run inside scripts included). */
export async function commandCalls(redis: Redis, command: string): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
}
