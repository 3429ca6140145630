import { ChatStreamTranslator } from './chat-response.translator';
import { SseResponse, SseSink } from './sse-sink';

/** An Express-like response that records what was written. */
class FakeResponse implements SseResponse {
  headersSent = false;
  writableEnded = false;
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  readonly writes: string[] = [];
  body = '';

  setHeader(name: string, value: string | number): void {
    this.headers[name.toLowerCase()] = String(value);
  }
  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  type(contentType: string): this {
    this.setHeader('content-type', contentType);
    return this;
  }
  write(chunk: string): boolean {
    this.headersSent = true;
    this.writes.push(chunk);
    return true;
  }
  end(chunk?: string): void {
    if (chunk) this.writes.push(chunk);
    this.writableEnded = true;
  }
  send(body: string): void {
    this.headersSent = true;
    this.body = body;
    this.writableEnded = true;
  }
}

const line = (message: object, extra: object = {}) =>
  JSON.stringify({ model: 'm', created_at: '2025-05-01T10:00:00Z', message, done: false, ...extra });
const CONTENT = line({ role: 'assistant', content: 'Hi' });
const FINAL = line({ role: 'assistant', content: '' }, { done: true, done_reason: 'stop', eval_count: 1 });

describe(SseSink.name, () => {
  let res: FakeResponse;
  let sut: SseSink;

  beforeEach(() => {
    res = new FakeResponse();
    sut = new SseSink(res, () => new ChatStreamTranslator('chatcmpl-1', 1, false));
  });

  it('writes each chunk as one data event with the SSE headers, and ends with [DONE]', () => {
    sut.workerAssigned('worker-a', 12);
    sut.chunk(CONTENT);
    sut.final(FINAL);
    expect(res.headers).toMatchObject({
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-gridllm-worker': 'worker-a',
      'x-gridllm-queue-ms': '12',
    });
    expect(res.writes).toHaveLength(3);
    expect(res.writes.every((w) => w.startsWith('data: ') && w.endsWith('\n\n'))).toBe(true);
    expect(JSON.parse(res.writes[0].slice(6))).toMatchObject({ choices: [{ delta: { content: 'Hi' } }] });
    expect(res.writes[2]).toBe('data: [DONE]\n\n');
    expect(res.writableEnded).toBe(true);
  });

  it('writes lines that came joined exactly as it writes them one by one', () => {
    const other = new FakeResponse();
    const oneByOne = new SseSink(other, () => new ChatStreamTranslator('chatcmpl-1', 1, false));
    const SECOND = line({ role: 'assistant', content: ' there' });
    oneByOne.chunk(CONTENT);
    oneByOne.chunk(SECOND);
    oneByOne.final(FINAL);

    sut.chunks(`${CONTENT}\n${SECOND}`);
    sut.final(FINAL);
    expect(res.writes.join('')).toBe(other.writes.join(''));
    expect(res.writes.join('')).toContain('" there"');
  });

  it('answers a failure before any event with the status and an OpenAI error body', () => {
    sut.failed({ error: 'model "x" not found, try pulling it first', status: 404 });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      error: {
        message: 'model "x" not found, try pulling it first',
        type: 'not_found_error',
        param: null,
        code: null,
      },
    });
  });

  it('ends a stream that already started with one error event and no [DONE]', () => {
    sut.chunk(CONTENT);
    sut.failed({ error: 'worker w failed mid-stream', status: 502 });
    expect(res.writes.at(-1)).toBe(
      `data: ${JSON.stringify({ error: { message: 'worker w failed mid-stream', type: 'api_error', param: null, code: null } })}\n\n`,
    );
    expect(res.writes.join('')).not.toContain('[DONE]');
    expect(res.writableEnded).toBe(true);
  });

  it('restarts only while nothing was sent, with the role again in the first delta', () => {
    expect(sut.restart()).toBe(true);
    sut.chunk(CONTENT);
    expect(JSON.parse(res.writes[0].slice(6)).choices[0].delta.role).toBe('assistant');
    expect(sut.emitted).toBe(true);
    expect(sut.restart()).toBe(false);
  });

  it('reports a client-closed status as a plain 500', () => {
    sut.failed({ error: 'request canceled', status: 499 });
    expect(res.statusCode).toBe(500);
  });
});
