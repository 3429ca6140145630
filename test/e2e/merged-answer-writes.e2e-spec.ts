import Redis from 'ioredis';
import { Ollama } from 'ollama';

import { decodeEntry } from '@gridllm/streaming';

import { TestGrid, postJson, readNdjson } from '../support/test-grid';

/** 30 tokens, 10 ms apart: a 0.3 s answer whose tokens arrive one by one, as a real engine sends them. */
const TOKENS = 30;

/**
 * A `stream:false` client reads only the merged answer, so the worker lets the job's chunks wait (up to
 * MERGED_ANSWER_HOLD_MS) to share their writes; a streaming client still gets every token as it comes.
 */
describe('Chunk writes of a job whose client reads only the merged answer', () => {
  const grid = new TestGrid();
  let redis: Redis;

  beforeAll(async () => {
    await grid.start();
    redis = grid.redis.client();
    const fixture = await grid.startFixture({ tokensPerAnswer: TOKENS, tokenDelayMs: 10 });
    await grid.startGateway();
    await grid.startWorker('w1', fixture);
  });

  afterAll(async () => {
    redis.disconnect();
    await grid.stop();
  });

  /** The job's token stream: how many entries, and the lines they hold (started, chunks, final). */
  async function streamOf(jobId: string): Promise<{ entries: number; types: string[] }> {
    const entries = await redis.xrange(`gridllm:job-stream:${jobId}`, '-', '+');
    const types = entries.flatMap(([id, fields]) => decodeEntry(id, fields).map((event) => event.type));
    return { entries: entries.length, types };
  }

  it('writes a stream:false answer in a few batches, and answers it whole', async () => {
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'llama3.2',
      prompt: 'hello',
      stream: false,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { done: boolean; eval_count: number; response: string };
    expect(answer).toMatchObject({ done: true, eval_count: TOKENS });
    const jobId = response.headers.get('x-gridllm-job-id') ?? '';

    const { entries, types } = await streamOf(jobId);
    // Every line is kept (started, 30 tokens, final), in ~0.3 s / 100 ms batches instead of one per token.
    expect(types.filter((type) => type === 'chunk')).toHaveLength(TOKENS);
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('final');
    expect(entries).toBeLessThanOrEqual(8);
  });

  it('writes a quick stream:false answer as one stream entry, and answers it whole', async () => {
    const ollama = new Ollama({ host: grid.gatewayUrl });
    const answer = await ollama.generate({
      model: 'llama3.2',
      prompt: 'hello',
      stream: false,
      options: { num_predict: 3 },
    });
    expect(answer).toMatchObject({ done: true, eval_count: 3, done_reason: 'length' });
    expect(answer.response).toMatch(/\S/);
    const jobs = await redis.keys('gridllm:job-stream:*');
    const streams = await Promise.all(jobs.map((key) => redis.xrange(key, '-', '+')));
    const entries = streams.find((stream) =>
      stream.some(([id, fields]) =>
        decodeEntry(id, fields).some((event) => event.data.includes('"eval_count":3,')),
      ),
    );
    // started, three chunk lines and the final line (30 ms, within the hold): one entry, one XADD, each line
    // with its own id.
    expect(entries).toHaveLength(1);
    const [id, fields] = entries?.[0] ?? ['', []];
    expect(decodeEntry(id, fields).map((event) => [event.id, event.type])).toEqual([
      ['1-0', 'started'],
      ['1-1', 'chunk'],
      ['1-2', 'chunk'],
      ['1-3', 'chunk'],
      ['1-4', 'final'],
    ]);
  });

  it('still writes a streaming answer token by token, the first at once', async () => {
    const sent = Date.now();
    const response = await postJson(`${grid.gatewayUrl}/api/generate`, {
      model: 'llama3.2',
      prompt: 'hello',
    });
    const lines = await readNdjson(response);
    expect(lines).toHaveLength(TOKENS + 1);
    // The first token reaches the client well before a 100 ms hold could have passed.
    expect(lines[0].at - sent).toBeLessThan(90);
    const { entries } = await streamOf(response.headers.get('x-gridllm-job-id') ?? '');
    expect(entries).toBeGreaterThanOrEqual(TOKENS / 2);
  });
});
