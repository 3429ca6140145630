import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

import { writeDemoModel } from '../../scripts/gguf/demo-model';
import { TestGrid } from '../support/test-grid';

const DEMO = 'gridllm-demo:tiny';

/** The translation happens in the gateway, so a worker on the embedded llama.cpp engine serves /v1 too. */
describe('OpenAI-compatible API on the embedded llama.cpp engine', () => {
  const grid = new TestGrid();
  const modelsDir = mkdtempSync(join(tmpdir(), 'gridllm-openai-models-'));
  let client: OpenAI;

  beforeAll(async () => {
    writeDemoModel(join(modelsDir, 'gridllm-demo-tiny.gguf'));
    await grid.start();
    await grid.startGateway();
    await grid.startWorker('embedded-worker', 'http://127.0.0.1:1', {
      ENGINE: 'llamacpp',
      MODELS_DIR: modelsDir,
      LLAMA_GPU: 'off',
      LLAMA_THREADS: '1',
    });
    client = new OpenAI({ baseURL: `${grid.gatewayUrl}/v1`, apiKey: 'any', maxRetries: 0 });
  });

  afterAll(async () => {
    await grid.stop();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('answers chat completions, streamed and not, with max_tokens honoured', async () => {
    const request = {
      model: DEMO,
      messages: [{ role: 'user' as const, content: 'Hi' }],
      max_tokens: 6,
      seed: 1,
    };
    const completion = await client.chat.completions.create(request);
    expect(completion.choices[0].finish_reason).toBe('length');
    // The engine may count fewer tokens than it sampled (ones node-llama-cpp does not report), never more.
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(6);

    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({ ...request, stream: true }))
      chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('length');
  });

  it('answers completions and embeddings', async () => {
    const completion = await client.completions.create({ model: DEMO, prompt: 'Once', max_tokens: 4 });
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(4);
    const embeddings = await client.embeddings.create({ model: DEMO, input: ['a', 'b'] });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[0].embedding.length).toBeGreaterThan(0);
  });

  it('lists the GGUF model', async () => {
    expect((await client.models.retrieve(DEMO)).id).toBe(DEMO);
  });
});
