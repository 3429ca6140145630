import { TestGrid, postJson, readNdjson } from '../support/test-grid';

describe('Security headers and CORS', () => {
  const grid = new TestGrid();

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway({ CORS_ORIGIN: 'https://app.example.com' });
    const fixture = await grid.startFixture({ tokenDelayMs: 20, models: [{ name: 'sec:latest' }] });
    await grid.startWorker('sec-worker', fixture);
  });

  afterAll(() => grid.stop());

  it('sends helmet’s headers on API and docs responses', async () => {
    const tags = await fetch(`${grid.gatewayUrl}/api/tags`);
    expect(tags.headers.get('x-content-type-options')).toBe('nosniff');
    expect(tags.headers.get('x-powered-by')).toBeNull();
    const docs = await fetch(`${grid.gatewayUrl}/docs`);
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('keeps streaming intact: NDJSON lines arrive one by one, uncompressed', async () => {
    const response = await postJson(
      `${grid.gatewayUrl}/api/generate`,
      { model: 'sec', prompt: 'stream me' },
      {
        headers: { 'Content-Type': 'application/json', 'Accept-Encoding': 'gzip, br' },
      },
    );
    const lines = await readNdjson(response);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[lines.length - 1].at - lines[0].at).toBeGreaterThan(50);
  });

  it('allows the configured CORS origin and no other', async () => {
    const preflight = (origin: string) =>
      fetch(`${grid.gatewayUrl}/api/chat`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,authorization',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await preflight('https://elsewhere.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
