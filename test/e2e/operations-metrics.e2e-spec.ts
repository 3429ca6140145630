import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { PromSample, parsePrometheusText, sumOf } from '../support/prometheus-text';
import { TestGrid, jsonOf, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MODEL = 'metered:latest';

async function scrape(baseUrl: string): Promise<{ samples: PromSample[]; text: string; type: string }> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  expect(response.status).toBe(200);
  const text = await response.text();
  return { samples: parsePrometheusText(text), text, type: response.headers.get('content-type') ?? '' };
}

describe('Operations: Prometheus metrics', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let workerUrl: string;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ models: [{ name: MODEL }], tokensPerAnswer: 6 });
    await grid.startGateway();
    workerUrl = await (await grid.startWorker('metered-worker', fixture, { MAX_CONCURRENT_TASKS: '2' })).url;
  });

  afterAll(() => grid.stop());

  it('serves the Prometheus text format with process metrics and grid gauges on the gateway', async () => {
    const { samples, type } = await scrape(grid.gatewayUrl);

    expect(type).toMatch(/^text\/plain;/);
    expect(type).toContain('version=0.0.4');
    expect(sumOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sumOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sumOf(samples, 'gridllm_workers', { state: 'available' })).toBe(1);
    expect(sumOf(samples, 'gridllm_workers', { state: 'not_ready' })).toBe(0);
    expect(samples).toContainEqual({
      name: 'gridllm_queue_depth',
      labels: { model: MODEL, priority: 'high' },
      value: 0,
    });
    expect(sumOf(samples, 'gridllm_redis_connected')).toBe(1);
  });

  it('serves the worker’s slots, readiness and process metrics', async () => {
    const { samples } = await scrape(workerUrl);

    expect(sumOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sumOf(samples, 'gridllm_worker_slots')).toBe(2);
    expect(sumOf(samples, 'gridllm_worker_slots_used')).toBe(0);
    expect(sumOf(samples, 'gridllm_worker_ready')).toBe(1);
    expect(sumOf(samples, 'gridllm_worker_engine_up')).toBe(1);
  });

  it('moves request, job, token and first-token counters with traffic, labelled by route pattern', async () => {
    const before = (await scrape(grid.gatewayUrl)).samples;
    const workerBefore = (await scrape(workerUrl)).samples;

    const streamed = await readNdjson(
      await postJson(`${grid.gatewayUrl}/api/generate`, { model: 'metered', prompt: 'a' }),
    );
    const single = await jsonOf(
      await postJson(`${grid.gatewayUrl}/api/chat`, {
        model: 'metered',
        messages: [{ role: 'user', content: 'b' }],
        stream: false,
      }),
    );
    const unknownId = 'f2a7c1de-0000-4000-8000-00000000abcd';
    expect((await fetch(`${grid.gatewayUrl}/inference/${unknownId}/status`)).status).toBe(404);
    const tokens =
      Number(JSON.parse(streamed[streamed.length - 1].line).eval_count) + Number(single.eval_count);
    expect(tokens).toBeGreaterThan(0);

    const { samples: after, text } = await scrape(grid.gatewayUrl);
    const delta = (name: string, where: Record<string, string> = {}) =>
      sumOf(after, name, where) - sumOf(before, name, where);
    expect(
      delta('gridllm_http_requests_total', { route: '/api/generate', method: 'POST', status: '200' }),
    ).toBe(1);
    expect(delta('gridllm_http_requests_total', { route: '/api/chat', method: 'POST', status: '200' })).toBe(
      1,
    );
    expect(delta('gridllm_http_requests_total', { route: '/inference/:id/status', status: '404' })).toBe(1);
    expect(delta('gridllm_http_request_duration_seconds_count', { route: '/api/generate' })).toBe(1);
    expect(delta('gridllm_tokens_generated_total', { model: MODEL })).toBe(tokens);
    expect(delta('gridllm_time_to_first_token_seconds_count', { model: MODEL })).toBe(2);
    expect(delta('gridllm_jobs_total', { model: MODEL, outcome: 'completed' })).toBe(2);
    expect(text).not.toContain(unknownId);

    const workerAfter = (await scrape(workerUrl)).samples;
    const workerDelta = (name: string, where: Record<string, string>) =>
      sumOf(workerAfter, name, where) - sumOf(workerBefore, name, where);
    expect(workerDelta('gridllm_worker_jobs_total', { model: MODEL, outcome: 'completed' })).toBe(2);
    expect(workerDelta('gridllm_worker_tokens_generated_total', { model: MODEL })).toBe(tokens);
    expect(workerDelta('gridllm_worker_engine_errors_total', { model: MODEL })).toBe(0);
  });

  it('labels requests that matched no route with one shared value, not the URL', async () => {
    const path = '/no/such/route/7f3e9b';
    expect((await fetch(`${grid.gatewayUrl}${path}`)).status).toBe(404);

    const { samples, text } = await scrape(grid.gatewayUrl);
    expect(
      sumOf(samples, 'gridllm_http_requests_total', { route: 'unmatched', status: '404' }),
    ).toBeGreaterThan(0);
    expect(text).not.toContain('7f3e9b');
  });

  it('answers 404 on /metrics when METRICS_ENABLED=false', async () => {
    const gateway = await new AppProcess('gateway', { ...grid.redisEnv(), METRICS_ENABLED: 'false' }).start();
    try {
      const response = await fetch(`${await gateway.url}/metrics`);
      expect(response.status).toBe(404);
    } finally {
      await gateway.stop('SIGKILL');
    }
  });

  it('keeps scraping fast while Redis is down, with the Redis gauges saying so', async () => {
    await grid.redis.stop();
    try {
      for (const base of [grid.gatewayUrl, workerUrl]) {
        // The apps notice the closed connection within moments; from then on no scrape waits on Redis.
        await waitFor(`${base} sees Redis gone`, async () => {
          return sumOf((await scrape(base)).samples, 'gridllm_redis_connected') === 0;
        });
        const startedAt = Date.now();
        await scrape(base);
        expect(Date.now() - startedAt).toBeLessThan(500);
      }
      const { samples } = await scrape(grid.gatewayUrl);
      expect(samples.filter((s) => s.name === 'gridllm_queue_depth' || s.name === 'gridllm_workers')).toEqual(
        [],
      );
    } finally {
      await grid.redis.start();
    }
    await waitFor('gateway sees Redis again', async () => {
      return sumOf((await scrape(grid.gatewayUrl)).samples, 'gridllm_redis_connected') === 1;
    });
  });
});
