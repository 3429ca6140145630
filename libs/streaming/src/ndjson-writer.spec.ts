import { IncomingMessage, createServer } from 'node:http';
import { AddressInfo, connect } from 'node:net';

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

  describe('error', () => {
    it('ends the stream with one Ollama error line', () => {
      sut.line('{"response":"partial"}');
      sut.error('worker w1 failed mid-stream');
      expect(res.writes).toEqual(['{"response":"partial"}\n', '{"error":"worker w1 failed mid-stream"}\n']);
      expect(res.writableEnded).toBe(true);
    });
  });

  describe('on a real response', () => {
    /** The raw HTTP answer of a server whose handler is `handle`. */
    async function answerOf(handle: (writer: NdjsonWriter, req: IncomingMessage) => void): Promise<string> {
      const server = createServer((req, res) =>
        handle(
          new NdjsonWriter(Object.assign(res, { status: (code: number) => (res.statusCode = code) })),
          req,
        ),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        return await new Promise<string>((resolve, reject) => {
          let text = '';
          const socket = connect(port, '127.0.0.1', () =>
            socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
          );
          socket.on('data', (data) => (text += data.toString('utf8')));
          socket.once('end', () => resolve(text));
          socket.once('error', reject);
        });
      } finally {
        server.close();
      }
    }

    it('sends the lines of one turn and the end that follows them, in order', async () => {
      const received = await answerOf((writer) => {
        writer.line('{"n":1}');
        writer.line('{"n":2}');
        writer.line('{"n":3,"done":true}');
        writer.end();
      });
      const body = received.slice(received.indexOf('\r\n\r\n') + 4);
      const lines = body.split('\r\n').filter((part) => part.startsWith('{'));
      expect(lines.join('')).toBe('{"n":1}\n{"n":2}\n{"n":3,"done":true}\n');
      expect(body.endsWith('0\r\n\r\n')).toBe(true);
    });

    it('sends the headers and the first line in one write to the socket, as Ollama does', async () => {
      let socketWrites = -1;
      const received = await answerOf((writer, req) => {
        // Every write and writev of a net.Socket passes here.
        const socket = req.socket as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
        const writeGeneric = socket._writeGeneric.bind(socket);
        let writes = 0;
        socket._writeGeneric = (...args: unknown[]) => {
          writes++;
          return writeGeneric(...args);
        };
        writer.line('{"response":"a"}');
        setImmediate(() => {
          socketWrites = writes;
          writer.end();
        });
      });
      expect(socketWrites).toBe(1);
      expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(received).toContain('Content-Type: application/x-ndjson\r\n');
      expect(received).toContain('{"response":"a"}\n');
    });
  });
});
