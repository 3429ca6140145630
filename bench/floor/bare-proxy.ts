/**
 * The floor of one proxy hop in Node: a bare `http` server that forwards every request to ENGINE_URL over
 * one keep-alive agent and pipes the answer back. No framework, no parsing, no Redis. Prints its URL.
 */
import * as http from 'node:http';

const engine = new URL(process.env.ENGINE_URL ?? 'http://127.0.0.1:11434');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer((req, res) => {
  const upstream = http.request(
    {
      agent,
      host: engine.hostname,
      port: engine.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
