import { ConfigValidationError, parseGridConfig } from './grid-config';

describe('parseGridConfig: health and metrics', () => {
  it('serves metrics and gives health checks 500 ms by default', () => {
    expect(parseGridConfig({}).observability).toEqual({ metricsEnabled: true, healthCheckTimeoutMs: 500 });
  });

  it('turns metrics off with METRICS_ENABLED=false', () => {
    expect(parseGridConfig({ METRICS_ENABLED: 'false' }).observability.metricsEnabled).toBe(false);
  });

  it('rejects a METRICS_ENABLED that is not true or false, and a health timeout out of range', () => {
    const parse = () => parseGridConfig({ METRICS_ENABLED: 'yes', HEALTH_CHECK_TIMEOUT: '5' });
    expect(parse).toThrow(ConfigValidationError);
    expect(parse).toThrow(/METRICS_ENABLED="yes"/);
    expect(parse).toThrow(/HEALTH_CHECK_TIMEOUT=5/);
  });

  it('keeps WORKER_PORT=0, which turns the worker’s HTTP port off', () => {
    expect(parseGridConfig({ WORKER_PORT: '0', PORT: '8080' }).worker.port).toBe(0);
  });
});
