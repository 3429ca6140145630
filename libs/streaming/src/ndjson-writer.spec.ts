import { NdjsonWriter, StreamingResponse } from './ndjson-writer';

class FakeResponse implements StreamingResponse {
  headersSent = false;
  writableEnded = false;
  statusCode = 0;
  readonly headers = new Map<string, string | number>();
  readonly writes: string[] = [];
  noDelay = false;
  readonly socket = { setNoDelay: (value?: boolean) => (this.noDelay = value ?? true) };

  setHeader(name: string, value: string | number) {
    if (this.headersSent) throw new Error('headers already sent');
    this.headers.set(name.toLowerCase(), value);
  }
  status(code: number) {
    this.statusCode = code;
  }
  flushHeaders() {
    this.headersSent = true;
  }
  write(chunk: string) {
    this.headersSent = true;
    this.writes.push(chunk);
    return true;
  }
  end(chunk?: string) {
    if (chunk) this.writes.push(chunk);
    this.writableEnded = true;
  }
}

describe(NdjsonWriter.name, () => {
  let res: FakeResponse;
  let sut: NdjsonWriter;

  beforeEach(() => {
    res = new FakeResponse();
    sut = new NdjsonWriter(res);
  });

  describe('line', () => {
    it('sends the NDJSON headers once, before the first line, and disables Nagle', () => {
      sut.line('{"a":1}');
      sut.line('{"a":2}');
      expect(res.statusCode).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-ndjson');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-accel-buffering')).toBe('no');
      expect(res.noDelay).toBe(true);
    });

    it('writes relayed JSON text unchanged, one line per write', () => {
      const raw = '{"model":"m","response":"héllo \\n","done":false}';
      sut.line(raw);
      expect(res.writes).toEqual([`${raw}\n`]);
    });

    it('serialises objects', () => {
      sut.line({ done: true });
      expect(res.writes).toEqual(['{"done":true}\n']);
    });

    it('writes nothing after the stream ended', () => {
      sut.end();
      sut.line('{"late":true}');
      expect(res.writes).toEqual([]);
    });
  });

  describe('open', () => {
    it('sends extra headers with the status line', () => {
      sut.open({ 'x-gridllm-job-id': 'j1' });
      expect(res.headers.get('x-gridllm-job-id')).toBe('j1');
      expect(res.headersSent).toBe(true);
    });
  });

  describe('error', () => {
    it('ends the stream with one Ollama error line', () => {
      sut.line('{"response":"partial"}');
      sut.error('worker w1 failed mid-stream');
      expect(res.writes).toEqual(['{"response":"partial"}\n', '{"error":"worker w1 failed mid-stream"}\n']);
      expect(res.writableEnded).toBe(true);
    });
  });
});
