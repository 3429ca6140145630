import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeDemoModel } from '../../scripts/gguf/demo-model';
import { TestGrid, jsonOf, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const DEMO = 'gridllm-demo:tiny';
/**
 * The demo model's weights with a longer context, and options under which it does not stop by itself:
 * sampled freely it draws its end token after ~400 tokens on average (as few as 36), so a cancel test on it
 * raced the model's own end. Greedy on this prompt it repeats without the end token (measured: 5,000 of
 * 5,000 tokens, ~14 s), so the cancel always lands mid-generation.
 */
const LONG_MODEL = { modelName: 'gridllm-demo:long', contextLength: 16384 };
const NEVER_ENDING = { top_k: 1, repeat_penalty: 1, num_predict: 8000, num_ctx: 16384 };

/** The embedded llama.cpp engine running the generated demo model, beside an Ollama-fixture worker. */
describe('Embedded llama.cpp engine in the grid', () => {
  const grid = new TestGrid();
  const modelsDir = mkdtempSync(join(tmpdir(), 'gridllm-models-'));
  const written = writeDemoModel(join(modelsDir, 'gridllm-demo-tiny.gguf'));

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    const fixture = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    await grid.startWorker('ollama-worker', fixture);
    await grid.startWorker('embedded-worker', 'http://127.0.0.1:1', {
      ENGINE: 'llamacpp',
      MODELS_DIR: modelsDir,
      LLAMA_GPU: 'off',
      LLAMA_THREADS: '1',
      MAX_CONCURRENT_TASKS: '2',
      MODEL_REFRESH_INTERVAL: '500',
    });
  });

  afterAll(async () => {
    await grid.stop();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  const generate = (body: Record<string, unknown>) =>
    postJson(`${grid.gatewayUrl}/api/generate`, { model: DEMO, stream: false, ...body }).then(jsonOf);

  it('lists the GGUF model with its size, digest and metadata beside the Ollama worker’s model', async () => {
    const { models } = await grid.client().list();
    const demo = models.find((model) => model.name === DEMO);
    expect(models.map((model) => model.name).sort()).toEqual([DEMO, 'llama3.2:latest']);
    expect(demo).toMatchObject({
      size: written.bytes,
      digest: createHash('sha256').update(readFileSync(written.path)).digest('hex'),
      details: { format: 'gguf', family: 'llama', quantization_level: 'F32', context_length: 2048 },
    });
  });

  it('streams llama.cpp tokens through the official client, ending with one done line and the metrics', async () => {
    const parts = [];
    for await (const part of await grid.client().generate({
      model: DEMO,
      prompt: 'Once upon a time',
      stream: true,
      options: { num_predict: 24, seed: 7 },
    })) {
      parts.push(part);
    }
    const final = parts[parts.length - 1];
    expect(parts.filter((part) => part.done)).toHaveLength(1);
    expect(parts.length).toBeGreaterThan(2);
    expect(final).toMatchObject({ done: true, done_reason: 'length', eval_count: 24 });
    expect(final.eval_duration).toBeGreaterThan(0);
    expect(final.prompt_eval_count).toBeGreaterThan(0);
  });

  it('reproduces the same text for the same seed and honours stop strings', async () => {
    const options = { num_predict: 40, seed: 1234, temperature: 0.8 };
    const first = await generate({ prompt: 'The weather today', options });
    const second = await generate({ prompt: 'The weather today', options });
    expect(second.response).toBe(first.response);

    const text = String(first.response);
    const stop = /[A-Za-z]{2}/.exec(text.slice(3))?.[0];
    expect(stop).toBeDefined();
    const stopped = await generate({ prompt: 'The weather today', options: { ...options, stop: [stop] } });
    expect(stopped.done_reason).toBe('stop');
    expect(stopped.response).toBe(text.slice(0, text.indexOf(stop as string)));
  });

  it('chats with a system prompt over several turns using the model’s chat template', async () => {
    const response = await grid.client().chat({
      model: DEMO,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi.' },
        { role: 'user', content: 'How are you?' },
      ],
      // A fixed seed: sampled freely the demo model may draw its end token first, and an empty answer has
      // no eval_count at all (Ollama omits a zero count).
      options: { num_predict: 8, seed: 1 },
    });
    expect(response.message.role).toBe('assistant');
    expect(response.done).toBe(true);
    expect(response.eval_count).toBeLessThanOrEqual(8);
  });

  it('reuses a slot’s cached prefix: a follow-up turn evaluates only its new tokens, and says so in prompt_eval_count', async () => {
    const system = { role: 'system', content: `Remember this. ${'The quick brown fox jumps. '.repeat(40)}` };
    const first = await grid.client().chat({
      model: DEMO,
      messages: [system, { role: 'user', content: 'Hello there' }],
      options: { num_predict: 6, seed: 3 },
    });
    const followUp = await grid.client().chat({
      model: DEMO,
      messages: [
        system,
        { role: 'user', content: 'Hello there' },
        { role: 'assistant', content: first.message.content },
        { role: 'user', content: 'And then?' },
      ],
      options: { num_predict: 6, seed: 3 },
    });
    const other = await grid.client().chat({
      model: DEMO,
      messages: [{ role: 'user', content: 'Something else entirely, with no shared system prompt' }],
      options: { num_predict: 6, seed: 3 },
    });

    expect(first.prompt_eval_count).toBeGreaterThan(200);
    // Only the assistant turn's end and the new user turn are evaluated, not the system prompt again.
    expect(followUp.prompt_eval_count).toBeLessThan(first.prompt_eval_count / 4);
    expect(followUp.prompt_eval_count).toBeGreaterThan(0);
    expect(other.prompt_eval_count).toBeGreaterThan(5);
  });

  it('embeds with unit vectors of the model’s embedding length, and through the legacy endpoint', async () => {
    const { embeddings } = await grid.client().embed({ model: DEMO, input: ['first text', 'second text'] });
    expect(embeddings).toHaveLength(2);
    for (const vector of embeddings) {
      expect(vector).toHaveLength(64);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    const { embedding } = await grid.client().embeddings({ model: DEMO, prompt: 'first text' });
    expect(embedding).toHaveLength(64);
  });

  it('constrains output to a JSON schema', async () => {
    const format = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const answer = await generate({ prompt: 'Where?', format, options: { num_predict: 200, seed: 3 } });
    const parsed = JSON.parse(String(answer.response)) as { city: unknown };
    expect(typeof parsed.city).toBe('string');
  });

  it('cancels a running generation on the engine when the client leaves', async () => {
    const long = writeDemoModel(join(modelsDir, 'long-model.gguf'), LONG_MODEL);
    const names = async () => (await grid.client().list()).models.map((model) => model.name);
    await waitFor('long model listed', async () => (await names()).includes(LONG_MODEL.modelName));
    try {
      const controller = new AbortController();
      const response = await postJson(
        `${grid.gatewayUrl}/api/generate`,
        { model: LONG_MODEL.modelName, prompt: 'b', options: NEVER_ENDING },
        { signal: controller.signal },
      );
      const jobId = response.headers.get('x-gridllm-job-id') as string;
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      const abortedAt = Date.now();
      controller.abort();

      const status = await waitFor('job cancelled', async () => {
        const body = (await (await fetch(`${grid.gatewayUrl}/inference/${jobId}/status`)).json()) as {
          state: string;
          finishedAt?: string;
        };
        return body.state === 'cancelled' && body.finishedAt ? body : null;
      });
      expect(Date.parse(status.finishedAt as string) - abortedAt).toBeLessThan(1000);
    } finally {
      rmSync(long.path);
      rmSync(long.manifestPath);
      await waitFor('long model gone', async () => !(await names()).includes(LONG_MODEL.modelName));
    }
  });

  it('loads on request, reports the model in /api/ps until keep_alive passes, and unloads with keep_alive 0', async () => {
    const load = await generate({ keep_alive: '1s' });
    expect(load).toMatchObject({ done: true, done_reason: 'load', response: '' });
    await waitFor('loaded in /api/ps', async () =>
      (await grid.client().ps()).models.some((m) => m.name === DEMO),
    );
    await waitFor(
      'expired after keep_alive',
      async () => !(await grid.client().ps()).models.some((m) => m.name === DEMO),
      10000,
    );

    await generate({ prompt: 'warm', options: { num_predict: 2 }, keep_alive: -1 });
    await waitFor('loaded again', async () => (await grid.client().ps()).models.some((m) => m.name === DEMO));
    const unload = await generate({ keep_alive: 0 });
    expect(unload.done_reason).toBe('unload');
    await waitFor('unloaded', async () => !(await grid.client().ps()).models.some((m) => m.name === DEMO));
  });

  it('honours num_ctx by loading the model with that context size', async () => {
    await generate({ prompt: 'small context', options: { num_predict: 2, num_ctx: 512 } });
    await waitFor('ps shows the context size', async () => {
      const { models } = (await (await fetch(`${grid.gatewayUrl}/api/ps`)).json()) as {
        models: Array<{ name: string; context_length?: number }>;
      };
      return models.some((m) => m.name === DEMO && m.context_length === 512);
    });
  });

  it('shows the model’s template and GGUF metadata', async () => {
    const show = await grid.client().show({ model: DEMO });
    expect(show.template).toContain('<|im_start|>');
    expect(show.model_info).toMatchObject({ 'general.architecture': 'llama', 'llama.embedding_length': 64 });
  });

  it('notices GGUF files added to and removed from MODELS_DIR', async () => {
    const extra = join(modelsDir, 'extra-model.gguf');
    copyFileSync(written.path, extra);
    const names = async () => (await grid.client().list()).models.map((model) => model.name);
    await waitFor('new file listed', async () => (await names()).includes('extra-model:latest'));
    const answer = await generate({ model: 'extra-model', prompt: 'hi', options: { num_predict: 2 } });
    expect(answer.done).toBe(true);
    rmSync(extra);
    await waitFor('removed file gone', async () => !(await names()).includes('extra-model:latest'));
  });

  it('copies and deletes GGUF models through the gateway', async () => {
    await grid.client().copy({ source: DEMO, destination: 'demo-copy:v1' });
    const names = async () => (await grid.client().list()).models.map((model) => model.name);
    await waitFor('copy listed', async () => (await names()).includes('demo-copy:v1'));
    await grid.client().delete({ model: 'demo-copy:v1' });
    await waitFor('copy gone', async () => !(await names()).includes('demo-copy:v1'));
    expect((await names()).includes(DEMO)).toBe(true);
  });

  it('answers a pull aimed at the embedded worker with how to add a model instead', async () => {
    const response = await postJson(`${grid.gatewayUrl}/admin/models/pull`, {
      model: 'x',
      workers: ['embedded-worker'],
      stream: false,
    });
    expect(response.status).toBe(502);
    expect((await jsonOf(response)).error).toMatch(
      /cannot pull from a registry: copy the model's .gguf file into/,
    );
  });

  it('still routes the Ollama worker’s model to the Ollama worker', async () => {
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'llama3.2',
      prompt: 'hi',
      stream: false,
    });
    expect(response.headers.get('x-gridllm-worker')).toBe('ollama-worker');
    const lines = await readNdjson(
      await postJson(`${grid.gatewayUrl}/api/generate`, {
        model: DEMO,
        prompt: 'hi',
        options: { num_predict: 3 },
      }),
    );
    expect(JSON.parse(lines[lines.length - 1].line)).toMatchObject({ done: true });
  });
});
