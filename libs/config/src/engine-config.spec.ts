import { ConfigValidationError, parseGridConfig } from './grid-config';

describe('parseGridConfig: engines and deep health', () => {
  it('accepts ENGINE_URL with or without /v1 and keeps the API key', () => {
    for (const url of [
      'http://gpu-1:8000',
      'http://gpu-1:8000/',
      'http://gpu-1:8000/v1',
      'http://gpu-1:8000/v1/',
    ]) {
      const sut = parseGridConfig({ ENGINE: 'openai', ENGINE_URL: url, ENGINE_API_KEY: 'k' });
      expect(sut.worker.openai).toEqual({ baseUrl: 'http://gpu-1:8000/v1', apiKey: 'k' });
    }
  });

  it('refuses ENGINE=openai without ENGINE_URL, saying what to set', () => {
    expect(() => parseGridConfig({ ENGINE: 'openai' })).toThrow(ConfigValidationError);
    expect(() => parseGridConfig({ ENGINE: 'openai' })).toThrow(/ENGINE_URL: required with ENGINE=openai/);
  });

  it('gives an openai worker 16 slots and others 1 unless MAX_CONCURRENT_TASKS says otherwise', () => {
    expect(parseGridConfig({ ENGINE: 'openai', ENGINE_URL: 'http://h:1' }).worker.slots).toBe(16);
    expect(parseGridConfig({ ENGINE: 'ollama' }).worker.slots).toBe(1);
    expect(
      parseGridConfig({ ENGINE: 'openai', ENGINE_URL: 'http://h:1', MAX_CONCURRENT_TASKS: '4' }).worker.slots,
    ).toBe(4);
  });

  it('reads the circuit breaker knobs with their defaults', () => {
    expect(parseGridConfig({}).worker.circuit).toEqual({
      errorThreshold: 3,
      probeIntervalMs: 5000,
      probeTimeoutMs: 30000,
    });
    expect(() => parseGridConfig({ CIRCUIT_ERROR_THRESHOLD: '0' })).toThrow(/CIRCUIT_ERROR_THRESHOLD/);
  });
});
