import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const DURATION_FIELDS = ['total_duration', 'load_duration'];

function withoutDurations(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !DURATION_FIELDS.includes(key)));
}

interface PsEntry {
  name: string;
  [field: string]: unknown;
}

describe('Ollama embed, show and ps through the grid', () => {
  const grid = new TestGrid();
  let fixtureA: OllamaFixture;
  let fixtureB: OllamaFixture;
  let base: string;

  /** The engine's own answer to the same request, for comparison. */
  async function direct(
    fixture: OllamaFixture,
    path: string,
    body: unknown,
  ): Promise<Record<string, unknown>> {
    return jsonOf(await postJson(`${fixture.url}${path}`, body));
  }

  async function psNames(url = base): Promise<string[]> {
    const { models } = (await (await fetch(`${url}/api/ps`)).json()) as { models: PsEntry[] };
    return models.map((model) => model.name).sort();
  }

  function lastRequest(fixture: OllamaFixture, path: string): Record<string, unknown> | undefined {
    return fixture.requests.filter((r) => r.path === path).pop()?.body as Record<string, unknown> | undefined;
  }

  beforeAll(async () => {
    await grid.start();
    fixtureA = await grid.startFixture({
      models: [{ name: 'llama3.2:latest' }, { name: 'all-minilm:latest', embeddingLength: 16 }],
    });
    fixtureB = await grid.startFixture({
      models: [{ name: 'nomic-embed-text:latest', embeddingLength: 12 }],
    });
    await grid.startGateway();
    await grid.startWorker('worker-a', fixtureA, { MODEL_REFRESH_INTERVAL: '500' });
    await grid.startWorker('worker-b', fixtureB, { MODEL_REFRESH_INTERVAL: '500' });
    base = `${grid.gatewayUrl}/ollama`;
  });

  afterAll(() => grid.stop());

  describe('POST /api/embed', () => {
    it('embeds a string exactly as the engine does', async () => {
      const request = { model: 'all-minilm', input: 'Why is the sky blue?' };
      const viaGrid = await grid.client().embed(request);
      expect(viaGrid.embeddings).toHaveLength(1);
      expect(withoutDurations(viaGrid)).toEqual(
        withoutDurations(await direct(fixtureA, '/api/embed', request)),
      );
    });

    it('embeds an array of strings exactly as the engine does', async () => {
      const request = { model: 'all-minilm', input: ['first text', 'second text', 'third'], dimensions: 8 };
      const viaGrid = await grid.client().embed(request);
      expect(viaGrid.embeddings).toHaveLength(3);
      expect(viaGrid.embeddings[0]).toHaveLength(8);
      expect(withoutDurations(viaGrid)).toEqual(
        withoutDurations(await direct(fixtureA, '/api/embed', request)),
      );
    });

    it('answers one JSON object and passes every request field through untouched', async () => {
      const body = {
        model: 'all-minilm',
        input: ['pass me through'],
        truncate: false,
        dimensions: 4,
        keep_alive: '10m',
        options: { num_ctx: 2048, some_future_option: true },
        unknown_field: { kept: true },
      };
      const response = await postJson(`${base}/api/embed`, body);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('x-gridllm-worker')).toBe('worker-a');
      expect(Object.keys(await jsonOf(response))).toEqual([
        'model',
        'embeddings',
        'total_duration',
        'load_duration',
        'prompt_eval_count',
      ]);
      expect(lastRequest(fixtureA, '/api/embed')).toEqual(body);
    });

    it.each([
      ['a number', 42],
      ['an object', { text: 'x' }],
      ['an array with a non-string', ['ok', 1]],
    ])('answers 400 "invalid input type" for %s', async (_label, input) => {
      const response = await postJson(`${base}/api/embed`, { model: 'all-minilm', input });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toEqual({ error: 'invalid input type' });
    });

    it('answers 404 in Ollama words for an unknown model', async () => {
      await expect(grid.client().embed({ model: 'no-such-model', input: 'x' })).rejects.toMatchObject({
        status_code: 404,
        error: 'model "no-such-model" not found, try pulling it first',
      });
    });
  });

  describe('POST /api/embeddings', () => {
    it('returns the legacy single vector exactly as the engine does', async () => {
      const request = { model: 'all-minilm', prompt: 'Legacy clients still call this' };
      const viaGrid = await grid.client().embeddings(request);
      expect(viaGrid.embedding).toHaveLength(16);
      expect(viaGrid).toEqual(await direct(fixtureA, '/api/embeddings', request));
    });

    it('answers 400 when the model is missing', async () => {
      const response = await postJson(`${base}/api/embeddings`, { prompt: 'x' });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'model is required' });
    });
  });

  describe('POST /api/show', () => {
    it('shows a model exactly as the engine does', async () => {
      const viaGrid = await grid.client().show({ model: 'llama3.2' });
      expect(viaGrid).toEqual(await direct(fixtureA, '/api/show', { model: 'llama3.2' }));
    });

    it('accepts the legacy "name" and hands the engine a "model"', async () => {
      const engineAnswer = await direct(fixtureA, '/api/show', { name: 'llama3.2' });
      const response = await postJson(`${base}/api/show`, { name: 'llama3.2', verbose: false });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(engineAnswer);
      expect(lastRequest(fixtureA, '/api/show')).toEqual({
        name: 'llama3.2',
        verbose: false,
        model: 'llama3.2',
      });
    });

    it('answers 400 "model is required" without model or name', async () => {
      const response = await postJson(`${base}/api/show`, { verbose: true });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'model is required' });
    });

    it('answers 404 for an unknown model', async () => {
      await expect(grid.client().show({ model: 'no-such-model' })).rejects.toMatchObject({
        status_code: 404,
        error: 'model "no-such-model" not found, try pulling it first',
      });
    });
  });

  describe('GET /api/ps', () => {
    it('lists a model once a generate has loaded it, as the engine reports it', async () => {
      expect(await psNames()).not.toContain('llama3.2:latest');
      await grid.client().generate({ model: 'llama3.2', prompt: 'load me' });

      await waitFor('llama3.2 in /api/ps', async () => (await psNames()).includes('llama3.2:latest'));
      // The engine moves expires_at when the generate releases the model, a moment after its answer:
      // the worker lists it again when the job ends, so the two agree once that has happened.
      const listed = async () => {
        const { models } = await grid.client().ps();
        const engine = (await (await fetch(`${fixtureA.url}/api/ps`)).json()) as { models: PsEntry[] };
        const pick = (entries: PsEntry[]) => entries.find((m) => m.name === 'llama3.2:latest');
        return { gateway: pick(models as unknown as PsEntry[]), engine: pick(engine.models) };
      };
      const seen = await waitFor('the same entry as the engine', async () => {
        const both = await listed();
        return JSON.stringify(both.gateway) === JSON.stringify(both.engine) ? both : null;
      }).catch(() => listed());
      expect(seen.gateway).toEqual(seen.engine);
    });

    it('routes each model to the worker that has it and lists the loaded models of both', async () => {
      const request = { model: 'nomic-embed-text', input: 'only worker b has me' };
      const response = await postJson(`${grid.gatewayUrl}/api/embed`, request);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gridllm-worker')).toBe('worker-b');
      expect(withoutDurations(await jsonOf(response))).toEqual(
        withoutDurations(await direct(fixtureB, '/api/embed', request)),
      );
      expect(
        fixtureA.requests.some(
          (r) => (r.body as { model?: unknown } | undefined)?.model === 'nomic-embed-text',
        ),
      ).toBe(false);

      const expected = ['all-minilm:latest', 'llama3.2:latest', 'nomic-embed-text:latest'];
      await waitFor('both workers in /api/ps', async () => {
        const names = await psNames(grid.gatewayUrl);
        return expected.every((name) => names.includes(name));
      });
      expect(await psNames(grid.gatewayUrl)).toEqual(expected);
    });
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${grid.gatewayUrl}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/embed', '/api/embeddings', '/ollama/api/show', '/api/ps']),
    );
  });
});
