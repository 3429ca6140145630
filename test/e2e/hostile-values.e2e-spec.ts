import { ADMIN_KEY, FAMILIES, HostileGrid, MODEL, refusal } from '../support/hostile-grid';
import { postJson } from '../support/test-grid';

describe('Hostile input: values', () => {
  const grid = new HostileGrid();

  beforeAll(() => grid.startAll());
  afterAll(() => grid.stop());

  describe('numbers without bounds', () => {
    const huge = [1e308, 2 ** 53, 2_147_483_648];

    it('refuses a num_predict beyond 32 bits in the Ollama and native families', async () => {
      for (const numPredict of huge) {
        for (const family of FAMILIES.filter((candidate) => !candidate.openAi)) {
          const body = { ...family.body, options: { num_predict: numPredict } };
          const response = await postJson(`${grid.gatewayUrl}${family.path}`, body);

          expect(await refusal(response, 400, false)).toBe(
            'options.num_predict must be an integer from -2 to 2147483647',
          );
        }
      }
    });

    it('refuses max_tokens, seed and temperature out of range in the OpenAI family', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ max_tokens: 1e308 }, 'max_tokens must be an integer from -2 to 2147483647'],
        [
          { max_completion_tokens: 2 ** 53 },
          'max_completion_tokens must be an integer from -2 to 2147483647',
        ],
        [{ seed: 2 ** 53 }, 'seed must be an integer from -2147483648 to 4294967295'],
        [{ temperature: 1e308 }, 'temperature must be a number from'],
      ];
      for (const [fields, message] of cases) {
        const response = await postJson(`${grid.gatewayUrl}/v1/chat/completions`, {
          ...FAMILIES[2].body,
          ...fields,
        });

        expect(await refusal(response, 400, true)).toContain(message);
      }
    });

    it('refuses other numbers the engine cannot hold: num_ctx, keep_alive, context, top_logprobs, dimensions', async () => {
      const generate = FAMILIES[0].body;
      const cases: Array<[string, Record<string, unknown>]> = [
        ['/api/generate', { ...generate, options: { num_ctx: 1e20 } }],
        ['/api/generate', { ...generate, keep_alive: 1e308 }],
        ['/api/generate', { ...generate, context: [2 ** 53] }],
        ['/api/chat', { ...FAMILIES[1].body, top_logprobs: 1e9 }],
        ['/api/embed', { model: MODEL, input: 'x', dimensions: 1e300 }],
      ];
      for (const [path, body] of cases) {
        expect((await postJson(`${grid.gatewayUrl}${path}`, body)).status).toBe(400);
      }
    });

    it("keeps Ollama's -1 (no limit) and -2 (fill the context) and passes them on", async () => {
      for (const numPredict of [-1, -2]) {
        const prompt = `special-${numPredict}`;
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
          model: MODEL,
          prompt,
          stream: false,
          options: { num_predict: numPredict },
        });

        expect(response.status).toBe(200);
        const received = grid.fixture.requests.find(
          (request) => (request.body as { prompt?: string })?.prompt === prompt,
        );
        expect((received?.body as { options?: unknown })?.options).toEqual({ num_predict: numPredict });
      }
    });
  });

  describe('model names', () => {
    const hostile = [
      '$(touch /tmp/pwned)',
      '<img src=x onerror=alert(1)>',
      '../../etc/passwd',
      'a b',
      'x'.repeat(81),
    ];

    it.each([
      ['/api/copy', (name: string) => ({ source: MODEL, destination: name })],
      ['/api/copy', (name: string) => ({ source: name, destination: 'copy' })],
      ['/api/pull', (name: string) => ({ model: name })],
      ['/api/create', (name: string) => ({ model: name, from: MODEL })],
      ['/api/push', (name: string) => ({ name })],
      ['/api/show', (name: string) => ({ model: name })],
      ['/api/embed', (name: string) => ({ model: name, input: 'x' })],
      ['/api/generate', (name: string) => ({ model: name })],
      ['/inference', (name: string) => ({ model: name, prompt: 'x' })],
      ['/v1/completions', (name: string) => ({ model: name, prompt: 'x' })],
    ])('%s refuses names Ollama would refuse with 400', async (path, bodyOf) => {
      for (const name of hostile) {
        const response = await postJson(`${grid.gatewayUrl}${path}`, bodyOf(name));

        expect(await refusal(response, 400, path.startsWith('/v1'))).toMatch(/^invalid model name in \w+ "/);
      }
    });

    it('DELETE /api/delete, GET /v1/models/{model} and key allowlists refuse them too', async () => {
      const name = hostile[1];
      const deleted = await fetch(`${grid.gatewayUrl}/api/delete`, {
        method: 'DELETE',
        body: JSON.stringify({ name }),
      });
      const retrieved = await fetch(`${grid.gatewayUrl}/v1/models/${encodeURIComponent(name)}`);
      const key = await postJson(
        `${grid.securedUrl}/admin/keys`,
        { name: 'k', models: [name] },
        { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_KEY}` } },
      );

      expect(await refusal(deleted, 400, false)).toMatch(/^invalid model name in name "/);
      expect(await refusal(retrieved, 400, true)).toMatch(/^invalid model name in model "/);
      expect(await refusal(key, 400, false)).toMatch(/^invalid model name in models "/);
    });

    it('accepts the names Ollama accepts (host, namespace, tag) and lists no refused name', async () => {
      const names = ['llama3.2:latest', 'library/llama3.2', 'registry.ollama.ai/library/llama3.2:latest'];
      for (const model of names) {
        const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
          model,
          prompt: 'x',
          stream: false,
        });
        expect(response.status).toBe(200);
      }
      const tags = await (await fetch(`${grid.gatewayUrl}/api/tags`)).text();
      expect(tags).not.toMatch(/onerror|touch|passwd/);
    });
  });

  describe('echoes', () => {
    it('quotes at most 100 characters of a 1 MB model name, in every family', async () => {
      const name = 'm'.repeat(1_000_000);
      for (const family of FAMILIES) {
        const response = await postJson(`${grid.gatewayUrl}${family.path}`, { ...family.body, model: name });
        const message = await refusal(response, 400, family.openAi);

        expect(message).toBe(
          `invalid model name in model "${'m'.repeat(100)}… (1000000 characters)": the model is longer than 80 characters`,
        );
      }
    });

    it('a 404 for an unknown model quotes the name, and a long unknown path is cut', async () => {
      const unknown = await postJson(`${grid.gatewayUrl}/api/show`, { model: 'n'.repeat(80) });
      const path = await fetch(`${grid.gatewayUrl}/api/${'p'.repeat(8000)}`, { method: 'POST', body: '{}' });

      expect(await refusal(unknown, 404, false)).toBe(
        `model "${'n'.repeat(80)}" not found, try pulling it first`,
      );
      const message = await refusal(path, 404, false);
      expect(message.length).toBeLessThan(1100);
      expect(message).toMatch(/… \(cut from \d+ characters\)$/);
    });
  });
});
