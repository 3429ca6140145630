import { ConfigValidationError, parseGridConfig } from './grid-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseGridConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('Redis topology settings', () => {
  it('is one server unless sentinels or cluster nodes are named', () => {
    expect(parseGridConfig({}).redis.topology).toEqual({ mode: 'standalone' });
  });

  it('follows the master named by the sentinels, with the sentinels’ own password', () => {
    const sut = parseGridConfig({
      REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'gridllm',
      REDIS_SENTINEL_PASSWORD: 's3ntinel-pass',
      REDIS_PASSWORD: 'master-pass',
    });
    expect(sut.redis.topology).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'gridllm',
      sentinelPassword: 's3ntinel-pass',
    });
    expect(sut.redis.password).toBe('master-pass');
  });

  it('reads the cluster’s seed nodes', () => {
    const sut = parseGridConfig({ REDIS_CLUSTER_NODES: 'r1:7000,r2:7001' });
    expect(sut.redis.topology).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
      ],
    });
  });

  it('lists every inconsistent combination at once, never echoing the sentinel password', () => {
    const problems = problemsOf({
      REDIS_SENTINELS: 's1:26379',
      REDIS_CLUSTER_NODES: 'r1:7000',
      REDIS_SENTINEL_PASSWORD: 'hidden-pass',
      REDIS_DB: '2',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one of them/),
      expect.stringMatching(/^REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/),
      expect.stringMatching(/^REDIS_DB: a Redis Cluster has only database 0/),
    ]);
    expect(problems.join('\n')).not.toContain('hidden-pass');
  });

  it('asks for the sentinels when only the master name is given', () => {
    expect(problemsOf({ REDIS_SENTINEL_NAME: 'gridllm' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINELS: required with REDIS_SENTINEL_NAME/),
    ]);
  });

  it.each(['s1', 's1:', 's1:26379;s2:26379', 's1:26379,,s2:1', 'http://s1:26379'])(
    'refuses the sentinel list "%s"',
    (list) => {
      expect(problemsOf({ REDIS_SENTINELS: list, REDIS_SENTINEL_NAME: 'g' })).toEqual([
        expect.stringMatching(/^REDIS_SENTINELS=.*comma-separated list of host:port/),
      ]);
    },
  );

  it('refuses a port out of range', () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'r1:70000' })).toEqual([
      'r1:70000: port must be between 1 and 65535',
    ]);
  });
});
