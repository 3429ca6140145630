import {
  ConfigValidationError,
  configWarnings,
  gatewayConfigWarnings,
  parseGridConfig,
  unsafeBinding,
} from './grid-config';

describe('parseGridConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const sut = parseGridConfig({});
    expect(sut.gateway.port).toBe(4000);
    expect(sut.gateway.host).toBe('127.0.0.1');
    expect(sut.worker.port).toBe(3000);
    expect(sut.worker.ollamaUrl).toBe('http://127.0.0.1:11434');
    expect(sut.worker.slots).toBe(1);
    expect(sut.redis).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0, prefix: 'gridllm' });
    expect(sut.queue).toMatchObject({
      heartbeatIntervalMs: 1000,
      maxConcurrentJobs: 1000,
      resultTtlSeconds: 86400,
    });
  });

  it('caps job streams at 32 MiB unless STREAM_MAX_BYTES says otherwise, and refuses a cap below 64 KiB', () => {
    expect(parseGridConfig({}).queue.streamMaxBytes).toBe(32 * 1024 * 1024);
    expect(parseGridConfig({ STREAM_MAX_BYTES: '1mb' }).queue.streamMaxBytes).toBe(1024 * 1024);
    expect(() => parseGridConfig({ STREAM_MAX_BYTES: '1kb' })).toThrow(/STREAM_MAX_BYTES/);
    expect(() => parseGridConfig({ STREAM_MAX_BYTES: 'lots' })).toThrow(ConfigValidationError);
  });

  it('writes JSON logs in production and readable lines elsewhere unless LOG_FORMAT says otherwise', () => {
    expect(parseGridConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(parseGridConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(parseGridConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => parseGridConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigValidationError);
  });

  it('coalesces the Redis writes of a turn unless REDIS_COALESCE_WRITES=false', () => {
    expect(parseGridConfig({}).redis.coalesceWrites).toBe(true);
    expect(parseGridConfig({ REDIS_COALESCE_WRITES: 'false' }).redis.coalesceWrites).toBe(false);
    expect(() => parseGridConfig({ REDIS_COALESCE_WRITES: 'no' })).toThrow(/REDIS_COALESCE_WRITES/);
  });

  it('auto-pipelines Redis command connections only with REDIS_AUTO_PIPELINING=true', () => {
    expect(parseGridConfig({}).redis.autoPipelining).toBe(false);
    expect(parseGridConfig({ REDIS_AUTO_PIPELINING: 'true' }).redis.autoPipelining).toBe(true);
    expect(() => parseGridConfig({ REDIS_AUTO_PIPELINING: 'maybe' })).toThrow(/REDIS_AUTO_PIPELINING/);
  });

  it('lets GATEWAY_PORT and WORKER_PORT override a shared PORT', () => {
    const sut = parseGridConfig({ PORT: '5000', GATEWAY_PORT: '4100', WORKER_PORT: '3100' });
    expect(sut.gateway.port).toBe(4100);
    expect(sut.worker.port).toBe(3100);
    expect(parseGridConfig({ PORT: '5000' }).gateway.port).toBe(5000);
  });

  it('reads the gateway shutdown timings, and refuses negative or non-integer ones', () => {
    expect(parseGridConfig({}).gateway.shutdown).toEqual({ drainDelayMs: 5000, gracePeriodMs: 30000 });
    const sut = parseGridConfig({ SHUTDOWN_DRAIN_DELAY: '0', SHUTDOWN_GRACE_PERIOD: '120000' });
    expect(sut.gateway.shutdown).toEqual({ drainDelayMs: 0, gracePeriodMs: 120000 });
    expect(() => parseGridConfig({ SHUTDOWN_DRAIN_DELAY: '-1' })).toThrow(/SHUTDOWN_DRAIN_DELAY/);
    expect(() => parseGridConfig({ SHUTDOWN_GRACE_PERIOD: '5s' })).toThrow(/SHUTDOWN_GRACE_PERIOD/);
  });

  it('reads REDIS_URL in preference to the separate Redis variables', () => {
    const sut = parseGridConfig({
      REDIS_URL: 'redis://user:p%40ss@redis.internal:6380/2',
      REDIS_HOST: 'other',
    });
    expect(sut.redis).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
    });
  });

  it.each([
    [{ OLLAMA_URL: 'http://gpu1:11434/', OLLAMA_HOST: 'ignored' }, 'http://gpu1:11434'],
    [{ OLLAMA_HOST: 'gpu2' }, 'http://gpu2:11434'],
    [{ OLLAMA_HOST: 'gpu2', OLLAMA_PORT: '9000', OLLAMA_PROTOCOL: 'https' }, 'https://gpu2:9000'],
    [{ OLLAMA_HOST: 'gpu3:8080' }, 'http://gpu3:8080'],
    [{ OLLAMA_HOST: 'https://ollama.example.com' }, 'https://ollama.example.com'],
    [{ OLLAMA_HOST: 'http://gpu4' }, 'http://gpu4:11434'],
    [{ OLLAMA_HOST: '0.0.0.0' }, 'http://127.0.0.1:11434'],
  ])('derives the Ollama address from %j', (env, expected) => {
    expect(parseGridConfig(env).worker.ollamaUrl).toBe(expected);
  });

  it('rejects bad values and names every offending variable', () => {
    const attempt = () =>
      parseGridConfig({ REDIS_PORT: 'abc', MAX_CONCURRENT_TASKS: '0', PERFORMANCE_TIER: 'fast' });
    expect(attempt).toThrow(ConfigValidationError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('REDIS_PORT');
      expect(message).toContain('MAX_CONCURRENT_TASKS');
      expect(message).toContain('PERFORMANCE_TIER');
    }
  });

  it('never echoes a password in a validation message', () => {
    expect(() => parseGridConfig({ REDIS_URL: 'not a url', REDIS_PASSWORD: 'hunter2' })).toThrow(/REDIS_URL/);
    try {
      parseGridConfig({ REDIS_URL: 'redis://x', REDIS_DB: '-1', REDIS_PASSWORD: 'hunter2' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('warns when the heartbeat interval would keep a dead worker routable for long', () => {
    expect(configWarnings(parseGridConfig({ WORKER_HEARTBEAT_INTERVAL: '30000' }))[0]).toMatch(/90 s/);
    expect(configWarnings(parseGridConfig({}))).toEqual([]);
  });

  describe('access control', () => {
    const admin = { ADMIN_API_KEY: 'a-long-enough-admin-key' };

    it('turns auth on with ADMIN_API_KEY, API_KEY_ENABLED=true or a JWT verifier, unless API_KEY_ENABLED=false', () => {
      expect(parseGridConfig({}).security.authEnabled).toBe(false);
      expect(parseGridConfig(admin).security.authEnabled).toBe(true);
      expect(parseGridConfig({ API_KEY_ENABLED: 'true' }).security.authEnabled).toBe(true);
      expect(parseGridConfig({ JWT_SECRET: 's'.repeat(32) }).security.authEnabled).toBe(true);
      expect(parseGridConfig({ ...admin, API_KEY_ENABLED: 'false' }).security.authEnabled).toBe(false);
    });

    it('binds every interface with auth on and loopback with auth off, unless HOST says otherwise', () => {
      expect(parseGridConfig({}).gateway.host).toBe('127.0.0.1');
      expect(parseGridConfig(admin).gateway.host).toBe('0.0.0.0');
      expect(parseGridConfig({ ...admin, HOST: '10.0.0.5' }).gateway.host).toBe('10.0.0.5');
    });

    it('refuses a non-loopback HOST without auth unless ALLOW_UNAUTHENTICATED=true, which warns loudly', () => {
      expect(unsafeBinding(parseGridConfig({ HOST: '0.0.0.0' }))).toMatch(/without authentication/);
      expect(unsafeBinding(parseGridConfig({ HOST: '127.0.0.1' }))).toBeNull();
      expect(unsafeBinding(parseGridConfig({ HOST: 'localhost' }))).toBeNull();
      expect(unsafeBinding(parseGridConfig({ ...admin, HOST: '0.0.0.0' }))).toBeNull();
      const allowed = parseGridConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' });
      expect(unsafeBinding(allowed)).toBeNull();
      expect(gatewayConfigWarnings(allowed).join('\n')).toMatch(/authentication OFF/);
      expect(configWarnings(allowed)).toEqual([]);
      expect(gatewayConfigWarnings(parseGridConfig({ HOST: '127.0.0.1' }))).toEqual([]);
    });

    it('reads Redis ACL users and TLS files, and turns TLS on for rediss://', () => {
      const acl = parseGridConfig({
        REDIS_USERNAME: 'worker',
        REDIS_PASSWORD: 'pw',
        REDIS_TLS: 'true',
        REDIS_TLS_CA: '/ca.pem',
      });
      expect(acl.redis).toMatchObject({ username: 'worker', password: 'pw', tls: { caFile: '/ca.pem' } });
      expect(parseGridConfig({ REDIS_URL: 'rediss://redis.internal:6380' }).redis.tls).toEqual({});
      expect(parseGridConfig({}).redis.tls).toBeUndefined();
    });

    it('never echoes a secret in a validation message', () => {
      const attempt = () =>
        parseGridConfig({ ADMIN_API_KEY: 'short', WORKER_TOKEN: 'tiny', JWT_SECRET: 'weak' });
      expect(attempt).toThrow(/ADMIN_API_KEY=<hidden>/);
      try {
        attempt();
      } catch (error) {
        const message = (error as Error).message;
        for (const secret of ['short', 'tiny', 'weak']) expect(message).not.toContain(`"${secret}"`);
        expect(message).toContain('WORKER_TOKEN');
      }
    });
  });
});
