import { parseGridConfig } from '@gridllm/config';

import { redisOptions } from './redis-connection.factory';

describe('redisOptions', () => {
  it('connects to REDIS_HOST / REDIS_PORT on one server', () => {
    const sut = redisOptions(parseGridConfig({ REDIS_HOST: 'r1', REDIS_PORT: '6380' }).redis, 'c');
    expect(sut).toMatchObject({ host: 'r1', port: 6380, connectionName: 'c', maxRetriesPerRequest: null });
    expect(sut.sentinels).toBeUndefined();
  });

  it('asks the sentinels for the master, with their password and the master’s, and reconnects on READONLY', () => {
    const sut = redisOptions(
      parseGridConfig({
        REDIS_SENTINELS: 's1:26379,s2:26380',
        REDIS_SENTINEL_NAME: 'grid',
        REDIS_SENTINEL_PASSWORD: 'sentinel-pass',
        REDIS_PASSWORD: 'master-pass',
      }).redis,
      'c',
    );
    expect(sut).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'grid',
      sentinelPassword: 'sentinel-pass',
      password: 'master-pass',
    });
    expect(sut.host).toBeUndefined();
    const reconnect = sut.reconnectOnError as (error: Error) => boolean;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(true);
    expect(reconnect(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('retries every 100–500 ms behind Sentinel (each retry asks a sentinel), up to 2 s on one server', () => {
    const sentinel = redisOptions(
      parseGridConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'grid' }).redis,
      'c',
    );
    const single = redisOptions(parseGridConfig({ REDIS_HOST: 'r1' }).redis, 'c');
    const delays = (retry: ((attempt: number) => number | void | null) | undefined) =>
      [1, 3, 50].map((attempt) => retry?.(attempt));
    expect(delays(sentinel.retryStrategy)).toEqual([100, 300, 500]);
    expect(delays(sentinel.sentinelRetryStrategy)).toEqual([100, 300, 500]);
    expect(delays(single.retryStrategy)).toEqual([200, 600, 2000]);
  });

  it('stands a cluster’s first seed node in for the cluster where one connection is enough', () => {
    const sut = redisOptions(parseGridConfig({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' }).redis, 'c');
    expect(sut).toMatchObject({ host: 'n1', port: 7000, db: 0 });
  });
});
