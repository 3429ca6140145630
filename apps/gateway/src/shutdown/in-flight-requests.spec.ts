import { EventEmitter } from 'node:events';

import type { NextFunction, Request, Response } from 'express';

import { InFlightRequests } from './in-flight-requests';

/** The parts of an Express response the tracker touches. */
class FakeResponse extends EventEmitter {
  headersSent = false;
  writableEnded = false;
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  body = '';
  req = { path: '/api/generate' };

  setHeader(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  type(value: string): this {
    return this.setHeader('content-type', value);
  }
  send(body: string): this {
    this.body += body;
    return this.end();
  }
  write(chunk: string): boolean {
    this.headersSent = true;
    this.body += chunk;
    return true;
  }
  end(): this {
    this.headersSent = true;
    this.writableEnded = true;
    return this;
  }
}

describe(InFlightRequests.name, () => {
  let sut: InFlightRequests;
  const next: NextFunction = jest.fn();

  beforeEach(() => (sut = new InFlightRequests()));

  function begin(path = '/api/generate', contentType?: string): FakeResponse {
    const res = new FakeResponse();
    res.req.path = path;
    if (contentType) res.setHeader('Content-Type', contentType);
    sut.track({} as Request, res as unknown as Response, next);
    return res;
  }

  describe('track', () => {
    it('counts a request until its response closes', () => {
      const res = begin();
      expect(sut.count).toBe(1);
      res.emit('close');
      expect(sut.count).toBe(0);
    });
  });

  describe('closeConnections', () => {
    it('marks responses not yet started and every later one Connection: close, but not one already sent', () => {
      const waiting = begin();
      const streaming = begin();
      streaming.headersSent = true;
      sut.closeConnections();
      const later = begin();
      expect(waiting.headers.connection).toBe('close');
      expect(later.headers.connection).toBe('close');
      expect(streaming.headers.connection).toBeUndefined();
    });
  });

  describe('settled', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('resolves true when the last open response closes', async () => {
      const [a, b] = [begin(), begin()];
      const settled = sut.settled(1000);
      a.emit('close');
      b.emit('close');
      await expect(settled).resolves.toBe(true);
    });

    it('resolves false when requests are still open after the timeout', async () => {
      begin();
      const settled = sut.settled(1000);
      jest.advanceTimersByTime(1000);
      await expect(settled).resolves.toBe(false);
    });

    it('resolves true at once when nothing is in flight', async () => {
      await expect(sut.settled(1000)).resolves.toBe(true);
    });
  });

  describe('endStragglers', () => {
    it('ends an NDJSON stream with an error line, an SSE stream with an OpenAI error event, and answers 503 before any byte', () => {
      const ndjson = begin('/api/pull', 'application/x-ndjson');
      ndjson.write('{"status":"pulling"}\n');
      const sse = begin('/v1/chat/completions', 'text/event-stream');
      sse.write('data: {}\n\n');
      const waiting = begin('/v1/models');

      expect(sut.endStragglers('bye')).toBe(3);

      expect(ndjson.body).toBe('{"status":"pulling"}\n{"error":"bye"}\n');
      expect(sse.body).toBe(
        'data: {}\n\ndata: {"error":{"message":"bye","type":"api_error","param":null,"code":null}}\n\n',
      );
      expect(waiting.statusCode).toBe(503);
      expect(JSON.parse(waiting.body)).toEqual({
        error: { message: 'bye', type: 'api_error', param: null, code: null },
      });
      expect([ndjson, sse, waiting].every((res) => res.writableEnded)).toBe(true);
    });
  });
});
