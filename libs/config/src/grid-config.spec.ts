import { ConfigValidationError, configWarnings, parseGridConfig } from './grid-config';

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

  it('writes JSON logs in production and readable lines elsewhere unless LOG_FORMAT says otherwise', () => {
    expect(parseGridConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(parseGridConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(parseGridConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => parseGridConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigValidationError);
  });

  it('lets GATEWAY_PORT and WORKER_PORT override a shared PORT', () => {
    const sut = parseGridConfig({ PORT: '5000', GATEWAY_PORT: '4100', WORKER_PORT: '3100' });
    expect(sut.gateway.port).toBe(4100);
    expect(sut.worker.port).toBe(3100);
    expect(parseGridConfig({ PORT: '5000' }).gateway.port).toBe(5000);
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
});
