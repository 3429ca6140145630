import { RedisSettings } from '@gridllm/config';

import { redisRefusal, versionRefusal } from './redis-preflight';

const settings: RedisSettings = {
  host: 'redis.internal',
  port: 6380,
  username: 'gridllm-worker',
  password: 'sup3r-secret-pass',
  db: 0,
  prefix: 'gridllm',
  topology: { mode: 'standalone' },
  waitReplicas: 0,
  waitTimeoutMs: 500,
  autoPipelining: true,
  coalesceWrites: true,
};

function failure(message: string, code?: string): Error & { code?: string } {
  return Object.assign(new Error(message), { code });
}

describe('redisRefusal', () => {
  it('names wrong credentials and the user, never the password', () => {
    const sut = redisRefusal(
      failure('WRONGPASS invalid username-password pair or user is disabled.'),
      settings,
    );
    expect(sut).toBe(
      'Redis at redis.internal:6380 refused the credentials of user "gridllm-worker" (WRONGPASS): check REDIS_USERNAME and REDIS_PASSWORD',
    );
    expect(sut).not.toContain(settings.password);
  });

  it('asks for a password when Redis requires one', () => {
    expect(redisRefusal(failure('NOAUTH Authentication required.'), settings)).toMatch(
      /requires authentication \(NOAUTH\): set REDIS_PASSWORD/,
    );
  });

  it('points at the documented ACL when a permission is missing', () => {
    const sut = redisRefusal(
      failure("NOPERM this user has no permissions to run the 'ping' command"),
      settings,
    );
    expect(sut).toMatch(/user "gridllm-worker" lacks a permission .*'ping'.*docs\/security\.md/);
  });

  it('asks for the CA when the server certificate is not trusted', () => {
    const sut = redisRefusal(
      failure('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'),
      settings,
    );
    expect(sut).toMatch(/^TLS with Redis at redis\.internal:6380 failed .*set REDIS_TLS_CA/);
  });

  it('says when the port does not speak TLS', () => {
    expect(redisRefusal(failure('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER'), settings)).toMatch(
      /does not speak TLS/,
    );
  });

  it.each([
    ['connect ECONNREFUSED 127.0.0.1:6380', 'ECONNREFUSED'],
    ['connect ETIMEDOUT', 'ETIMEDOUT'],
    ['Connection is closed.', undefined],
    ['LOADING Redis is loading the dataset in memory', undefined],
  ])('leaves "%s" to the usual retries', (message, code) => {
    expect(redisRefusal(failure(message, code), settings)).toBeNull();
  });

  it('names the sentinel-monitored master rather than a host', () => {
    const sut = redisRefusal(failure('WRONGPASS invalid'), {
      ...settings,
      topology: {
        mode: 'sentinel',
        sentinels: [{ host: 's1', port: 26379 }],
        masterName: 'grid',
        sentinelPassword: 'x-pass',
      },
    });
    expect(sut).toMatch(/^Redis master "grid" \(sentinels s1:26379\) refused the credentials/);
    expect(sut).not.toContain('x-pass');
  });

  it('calls the user "default" when none is configured', () => {
    expect(redisRefusal(failure('WRONGPASS invalid'), { ...settings, username: undefined })).toContain(
      'user "default"',
    );
  });
});

describe('versionRefusal', () => {
  const info = (version: string) => `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n`;

  it('refuses a Redis older than 6.2, naming it and the version needed', () => {
    expect(versionRefusal(info('6.0.16'), settings)).toBe(
      'Redis at redis.internal:6380 runs Redis 6.0.16; GridLLM needs Redis 6.2.0 or newer',
    );
    expect(versionRefusal(info('5.0.14'), settings)).toMatch(/runs Redis 5\.0\.14/);
  });

  it('accepts 6.2 and newer, and a server that does not say (a proxy in front of Redis)', () => {
    for (const version of ['6.2.0', '6.2.14', '7.0.15', '7.4.1', '10.0.0'])
      expect(versionRefusal(info(version), settings)).toBeNull();
    expect(versionRefusal('# Server\r\n', settings)).toBeNull();
  });
});
