import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeDemoModel } from '../../scripts/gguf/demo-model';
import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const WORKER_TOKEN = 'a-grid-token-for-model-create-tests';
const EMBEDDED = 'embedded-worker';
const FIXTURE = 'ollama-worker';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** `/api/create` and `/api/push` across a fixture-backed worker and an embedded llama.cpp worker. */
describe('Creating and pushing models across the fleet', () => {
  const grid = new TestGrid();
  const scratch = mkdtempSync(join(tmpdir(), 'gridllm-create-'));
  const modelsDir = join(scratch, 'models');
  const blobDir = join(scratch, 'blobs');
  // The GGUF a user would upload: written outside MODELS_DIR, so only the upload brings it to a worker.
  const gguf = readFileSync(writeDemoModel(join(scratch, 'upload', 'model.gguf')).path);
  let fixture: OllamaFixture;

  beforeAll(async () => {
    writeDemoModel(join(modelsDir, 'gridllm-demo-tiny.gguf'));
    await grid.start();
    await grid.startGateway({ BLOB_DIR: blobDir, WORKER_TOKEN });
    fixture = await grid.startFixture({ models: [{ name: 'base:latest', quantizationLevel: 'F16' }] });
    await grid.startWorker(FIXTURE, fixture, { WORKER_TOKEN });
    await grid.startWorker(EMBEDDED, 'http://127.0.0.1:1', {
      WORKER_TOKEN,
      ENGINE: 'llamacpp',
      MODELS_DIR: modelsDir,
      LLAMA_GPU: 'off',
      LLAMA_THREADS: '1',
      MODEL_REFRESH_INTERVAL: '500',
    });
  }, 60_000);

  afterAll(async () => {
    await grid.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const listed = async () => (await grid.client().list()).models.map((model) => model.name);
  const uploadGguf = async () => {
    const digest = digestOf(gguf);
    const response = await fetch(`${grid.gatewayUrl}/api/blobs/${digest}`, { method: 'POST', body: gguf });
    expect([200, 201]).toContain(response.status);
    return digest;
  };
  const fixtureCreates = () => fixture.requests.filter((request) => request.path === '/api/create');

  it('creates a model from one the fixture worker holds, with ollama-js, and lists it', async () => {
    const statuses: string[] = [];
    const progress = await grid
      .client()
      .create({ model: 'tuned', from: 'base', system: 'Be brief.', stream: true });
    for await (const line of progress) statuses.push(line.status);

    expect(statuses).toContain('writing manifest');
    expect(statuses[statuses.length - 1]).toBe('success');
    expect(fixtureCreates().at(-1)?.body).toMatchObject({
      model: 'tuned',
      from: 'base',
      system: 'Be brief.',
    });
    await waitFor('tuned listed', async () => (await listed()).includes('tuned:latest'));
  });

  it('creates a model from an uploaded GGUF blob on every worker: each fetches it with a signed link', async () => {
    const digest = await uploadGguf();
    // ollama-js 0.6 sends `files` as given, though its CreateRequest type does not name the field.
    const request = { model: 'from-blob', files: { 'model.gguf': digest }, stream: false as const };

    expect(await grid.client().create(request)).toEqual({ status: 'success' });
    expect(fixture.blobs.has(digest)).toBe(true);
    expect(fixtureCreates().at(-1)?.body).toMatchObject({
      model: 'from-blob',
      files: { 'model.gguf': digest },
    });
    const holders = async () => {
      const workers = (await (await fetch(`${grid.gatewayUrl}/admin/workers`)).json()) as Array<{
        id: string;
        models: Array<{ name: string }>;
      }>;
      return workers
        .filter((worker) => worker.models.some((model) => model.name === 'from-blob:latest'))
        .map((worker) => worker.id)
        .sort()
        .join(',');
    };
    await waitFor('both workers hold from-blob', async () => (await holders()) === `${EMBEDDED},${FIXTURE}`);
  });

  it('answers /api/generate on the embedded worker with the model created there, honouring its parameters', async () => {
    const digest = await uploadGguf();
    const response = await postJson(`${grid.gatewayUrl}/admin/models/create`, {
      model: 'embedded-only',
      files: { 'model.gguf': digest },
      system: 'You are terse.',
      parameters: { num_predict: 5, seed: 3 },
      workers: [EMBEDDED],
    });
    const lines = (await readNdjson(response)).map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[lines.length - 1]).toEqual({ status: 'success' });
    expect(lines.some((line) => line.digest === digest && line.completed === gguf.length)).toBe(true);
    await waitFor('embedded-only listed', async () => (await listed()).includes('embedded-only:latest'));

    const generated = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'embedded-only',
      prompt: 'Once upon a time',
      stream: false,
    });

    expect(generated.headers.get('x-gridllm-worker')).toBe(EMBEDDED);
    expect(await jsonOf(generated)).toMatchObject({ done: true, eval_count: 5 });
    const shown = await jsonOf(await postJson(`${grid.gatewayUrl}/api/show`, { model: 'embedded-only' }));
    expect(shown.system).toBe('You are terse.');
    expect(shown.parameters).toMatch(/num_predict\s+5/);
  }, 60_000);

  it('ends with one error line naming the worker that cannot quantize', async () => {
    const response = await postJson(`${grid.gatewayUrl}/admin/models/create`, {
      model: 'small',
      from: 'gridllm-demo:tiny',
      quantize: 'q4_K_M',
      workers: [EMBEDDED],
    });
    const lines = (await readNdjson(response)).map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    expect(response.status).toBe(502);
    expect(String(lines[lines.length - 1].error)).toMatch(
      /^create of small failed on worker embedded-worker: the embedded llama.cpp engine cannot quantize/,
    );
  });

  it('refuses what it can tell before any worker runs, in Ollama’s shape', async () => {
    const cases: Array<[Record<string, unknown>, number, string | RegExp]> = [
      [{ model: 'x' }, 400, "neither 'from' or 'files' was specified"],
      [{ model: 'x', files: { 'a.gguf': 'sha256:123' } }, 400, 'invalid digest format'],
      [
        { model: 'x', files: { '/etc/a.gguf': digestOf(Buffer.from('x')) } },
        400,
        'file path must be relative',
      ],
      [
        { model: 'x', files: { 'a.gguf': digestOf(Buffer.from('never uploaded')) } },
        400,
        /^blob ".*" not found: upload it first/,
      ],
      [{ model: 'x', from: 'ghost' }, 404, 'model "ghost" not found, try pulling it first'],
    ];
    for (const [body, status, error] of cases) {
      const response = await postJson(`${grid.gatewayUrl}/api/create`, body);
      expect(response.status).toBe(status);
      expect((await jsonOf(response)).error).toEqual(
        typeof error === 'string' ? error : expect.stringMatching(error),
      );
    }
  });

  it('refuses a blob download without a valid signature', async () => {
    const digest = await uploadGguf();
    const base = `${grid.gatewayUrl}/internal/blobs/${digest}`;
    const expires = Math.floor(Date.now() / 1000) + 60;
    for (const url of [base, `${base}?expires=${expires}&signature=${'0'.repeat(64)}`]) {
      const response = await fetch(url);
      expect(response.status).toBe(401);
      expect((await jsonOf(response)).error).toBe('invalid or expired blob link');
    }
  });

  it('pushes from a worker that holds the model, streaming its progress (ollama-js)', async () => {
    const statuses: string[] = [];
    for await (const line of await grid.client().push({ model: 'base', stream: true }))
      statuses.push(line.status);

    expect(statuses[0]).toBe('retrieving manifest');
    expect(statuses.slice(-2)).toEqual(['pushing manifest', 'success']);
    expect(fixture.requests.filter((request) => request.path === '/api/push')).toHaveLength(1);
  });

  it('answers a clear error when only an embedded worker holds the model to push', async () => {
    const response = await postJson(`${grid.gatewayUrl}/api/push`, {
      model: 'gridllm-demo:tiny',
      stream: false,
    });
    expect(response.status).toBe(502);
    expect((await jsonOf(response)).error).toMatch(
      /^push of gridllm-demo:tiny failed on worker embedded-worker: the embedded llama.cpp engine cannot push/,
    );
  });
});
