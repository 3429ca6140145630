import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

import { engineRequest } from './engine-http.client';

/**
 * An engine that drops a connection instead of answering, as a keep-alive peer does when its idle
 * timeout crosses the client's next request: `drop` decides per request (its number on its socket).
 */
async function startEngine(
  drop: (requestOnSocket: number) => boolean,
): Promise<{ url: string; server: Server; sockets: Set<Socket>; bodies: string[] }> {
  const sockets = new Set<Socket>();
  const served = new WeakMap<Socket, number>();
  const bodies: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (drop(count)) {
      req.socket.destroy();
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

  it('sends a request again on a fresh socket when the reused one was dropped before any answer', async () => {
    engine = await startEngine((requestOnSocket) => requestOnSocket > 1);
    const first = await engineRequest(`${engine.url}/api/generate`, { method: 'POST', body: '{"n":1}' });
    expect(JSON.parse(await first.text())).toEqual({ socket: 0, body: '{"n":1}' });

    const second = await engineRequest(`${engine.url}/api/generate`, { method: 'POST', body: '{"n":2}' });

    expect(second.status).toBe(200);
    expect(JSON.parse(await second.text())).toEqual({ socket: 1, body: '{"n":2}' });
    expect(engine.bodies).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('fails a request whose fresh socket is dropped, without trying again', async () => {
    engine = await startEngine(() => true);

    await expect(engineRequest(`${engine.url}/api/tags`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(engine.sockets.size).toBe(1);
  });
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
