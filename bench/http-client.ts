import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request of the benchmark: built once, sent many times byte for byte. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: Buffer;
  /** Sent as they are (e.g. an Authorization header, which a gateway with auth off ignores). */
  headers?: Record<string, string>;
}

export interface HttpTiming {
  status: number;
  /** From just before the request is written to the first `\n` of the body (NaN when there is none). */
  firstLineMs: number;
  /** From just before the request is written to the end of the response. */
  totalMs: number;
  body: string;
}

/** Free keep-alive sockets are dropped before a server's 5 s keep-alive timeout can close them under us. */
const FREE_SOCKET_TIMEOUT_MS = 3000;

export function jsonRequest(path: string, body: unknown): RequestSpec {
  return { method: 'POST', path, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * The benchmark's HTTP client: Node's `http` with one keep-alive agent, the same for the fixture and the
 * gateway, so both sides pay the same client cost. Every request has a timeout; nothing waits forever.
 */
export class BenchHttpClient {
  private readonly agent: http.Agent;

  constructor(
    maxSockets: number,
    private readonly timeoutMs: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, timeout: FREE_SOCKET_TIMEOUT_MS });
  }

  send(base: URL, spec: RequestSpec): Promise<HttpTiming> {
    return new Promise<HttpTiming>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...spec.headers };
      if (spec.body) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = spec.body.length;
      }
      const start = performance.now();
      const req = http.request(
        {
          agent: this.agent,
          host: base.hostname,
          port: base.port,
          path: spec.path,
          method: spec.method,
          headers,
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let firstLineMs = NaN;
          res.on('data', (chunk: Buffer) => {
            if (Number.isNaN(firstLineMs) && chunk.includes(10)) firstLineMs = performance.now() - start;
            chunks.push(chunk);
          });
          res.on('end', () => {
            const totalMs = performance.now() - start;
            resolve({
              status: res.statusCode ?? 0,
              firstLineMs,
              totalMs,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          res.on('error', reject);
          res.on('close', () => {
            if (!res.complete) reject(new Error(`${spec.path}: response closed before its end`));
          });
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${spec.path}: no answer within ${this.timeoutMs} ms`)));
      req.end(spec.body);
    });
  }

  /** Closes every socket (the event loop then has nothing left of the client). */
  close(): void {
    this.agent.destroy();
  }
}
