import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

import { engineRequest } from './engine-http.client';

/**
 * An engine that drops a connection instead of answering, as a keep-alive peer does when its idle
 * timeout crosses the client's next request: `drop` decides per request (its number on its socket).
 */
async function startEngine(
  drop: (requestOnSocket: number) => boolean,
  how: 'close' | 'reset' | 'partial' = 'close',
): Promise<{ url: string; server: Server; sockets: Set<Socket>; bodies: string[] }> {
  const sockets = new Set<Socket>();
  const served = new WeakMap<Socket, number>();
  const bodies: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (drop(count)) {
      if (how === 'reset') req.socket.resetAndDestroy();
      else if (how === 'partial') req.socket.end('HTTP/1.1 200 OK\r\n', () => req.socket.destroy());
      else req.socket.destroy();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => (body += part));
    req.on('end', () => {
      bodies.push(body);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ socket: [...sockets].indexOf(req.socket), body }));
    });
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, sockets, bodies };
}

describe('engineRequest over keep-alive sockets', () => {
  let engine: Awaited<ReturnType<typeof startEngine>>;

  afterEach(async () => {
    engine.server.closeAllConnections();
    await new Promise((resolve) => engine.server.close(resolve));
  });

  it.each(['close', 'reset'] as const)(
    'sends a request again on a fresh socket when the reused one was dropped before any answer (%s)',
    async (how) => {
      let drops = 0;
      engine = await startEngine((requestOnSocket) => requestOnSocket > 1 && ++drops > 0, how);
      const answers: Array<{ socket: number; body: string }> = [];
      for (let n = 1; n <= 6; n++) {
        const response = await engineRequest(`${engine.url}/api/generate`, {
          method: 'POST',
          body: `{"n":${n}}`,
        });
        expect(response.status).toBe(200);
        answers.push(JSON.parse(await response.text()) as { socket: number; body: string });
      }

      // Some request went out on a pooled socket (the engine dropped it) and was answered on a fresh one.
      expect(drops).toBeGreaterThan(0);
      expect(answers.map((answer) => answer.body)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `{"n":${n}}`));
      expect(new Set(answers.map((answer) => answer.socket)).size).toBe(6);
      expect(engine.bodies).toEqual([1, 2, 3, 4, 5, 6].map((n) => `{"n":${n}}`));
    },
  );

  it.each(['close', 'partial'] as const)(
    'fails a request whose fresh socket is dropped, without trying again (%s)',
    async (how) => {
      engine = await startEngine(() => true, how);

      await expect(engineRequest(`${engine.url}/api/tags`)).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(engine.sockets.size).toBe(1);
    },
  );
});

describe('engineRequest with many slots', () => {
  it('runs more requests at once than the old 256-socket cap: none waits in the agent for a socket', async () => {
    // An engine that answers nobody until every request has arrived (at most 5 s): with a socket cap below
    // the number of requests, the ones beyond it would never reach it and all would get 503.
    const total = 300;
    const waiting: ServerResponse[] = [];
    const answer = (status: number) => waiting.splice(0).forEach((res) => res.writeHead(status).end('{}'));
    const deadline = setTimeout(() => answer(503), 5000);
    const server = createServer((_req, res) => {
      waiting.push(res);
      if (waiting.length === total) answer(200);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const responses = await Promise.all(
        Array.from({ length: total }, () => engineRequest(`http://127.0.0.1:${port}/api/generate`)),
      );
      expect(responses.map((res) => res.status)).toEqual(Array.from({ length: total }, () => 200));
      await Promise.all(responses.map((res) => res.text()));
    } finally {
      clearTimeout(deadline);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('engineRequest failures, told as Node’s own client told them', () => {
  let server: Server;
  let url: string;
  const closed: string[] = [];

  async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<void> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    closed.length = 0;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('an engine that drops the connection mid-answer fails the body with ECONNRESET', async () => {
    await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"response":"a","done":false}\n', () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const response = await engineRequest(`${url}/api/generate`, { method: 'POST', body: '{}' });
    const read = (async () => {
      for await (const part of response.body) void part;
    })();

    await expect(read).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('says how long nothing came when the engine stays silent past timeoutMs', async () => {
    await listen(() => undefined);

    await expect(engineRequest(`${url}/api/tags`, { timeoutMs: 200 })).rejects.toThrow(
      `no answer from ${url} in 200 ms`,
    );
  });

  it('an abort fails the request with an AbortError carrying the reason, and closes the engine’s connection', async () => {
    await listen((req) => req.socket.once('close', () => closed.push(req.url ?? '')));
    const controller = new AbortController();
    const pending = engineRequest(`${url}/api/generate`, {
      method: 'POST',
      body: '{}',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort('cancelled'), 50);

    await expect(pending).rejects.toMatchObject({ name: 'AbortError', cause: 'cancelled' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toEqual(['/api/generate']);
  });
});
