import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

import { writeDemoModel } from '../../scripts/gguf/demo-model';
import { TestGrid, postJson } from '../support/test-grid';

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
    // A fixed seed: sampled freely the demo model may draw its end token within 4 tokens (finish_reason stop).
    const completion = await client.completions.create({
      model: DEMO,
      prompt: 'Once',
      max_tokens: 4,
      seed: 1,
    });
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(4);
    const embeddings = await client.embeddings.create({ model: DEMO, input: ['a', 'b'] });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[0].embedding.length).toBeGreaterThan(0);
  });

  it('lists the GGUF model', async () => {
    expect((await client.models.retrieve(DEMO)).id).toBe(DEMO);
  });

  it('refuses images with a 400 naming the engine, in the shape of each family', async () => {
    const pixel = Buffer.from('a tiny png stand-in').toString('base64');
    const refusal = new RegExp(
      `^"${DEMO}" does not support vision: the embedded llama.cpp engine of worker embedded-worker takes no images`,
    );
    const chat = await postJson(`${grid.gatewayUrl}/api/chat`, {
      model: DEMO,
      stream: false,
      messages: [{ role: 'user', content: 'What is this?', images: [pixel] }],
    });
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as { error: string }).error).toMatch(refusal);

    const generate = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: DEMO,
      prompt: 'x',
      images: [pixel],
    });
    expect(generate.status).toBe(400);
    expect(await generate.text()).toMatch(/does not support vision/);

    const failure = await client.chat.completions
      .create({
        model: DEMO,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } }],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(
      /does not support vision/,
    );

    const messages = await postJson(`${grid.gatewayUrl}/v1/messages`, {
      model: DEMO,
      max_tokens: 5,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: pixel } }] }],
    });
    expect(messages.status).toBe(400);
    expect(await messages.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(refusal) },
    });
  });

  it('answers the Anthropic and Responses APIs too', async () => {
    // Greedy, as neither API takes a seed: sampled freely the demo model may draw its end token within the
    // 4 tokens (an end_turn / completed answer, possibly empty) instead of being cut by the limit.
    const messages = await postJson(`${grid.gatewayUrl}/v1/messages`, {
      model: DEMO,
      max_tokens: 4,
      top_k: 1,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(await messages.json()).toMatchObject({ type: 'message', stop_reason: 'max_tokens' });
    const response = await client.responses.create({
      model: DEMO,
      input: 'Hi',
      max_output_tokens: 4,
      temperature: 0,
    });
    expect(response).toMatchObject({ object: 'response', status: 'incomplete' });
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
  });
});
