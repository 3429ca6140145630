import type Redis from 'ioredis';

/** Every key name and value in Redis as one string, to show that something is NOT stored anywhere. */
export async function dumpRedis(redis: Redis): Promise<string> {
  const dump: string[] = [];
  for (const name of await redis.keys('*')) {
    dump.push(name);
    const type = await redis.type(name);
    if (type === 'string') dump.push((await redis.get(name)) ?? '');
    if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(name)));
    if (type === 'set') dump.push(JSON.stringify(await redis.smembers(name)));
    if (type === 'zset') dump.push(JSON.stringify(await redis.zrange(name, 0, -1)));
    if (type === 'list') dump.push(JSON.stringify(await redis.lrange(name, 0, -1)));
    if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(name, '-', '+')));
  }
  return dump.join('\n');
}
