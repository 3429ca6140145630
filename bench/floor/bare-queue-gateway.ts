/**
 * The floor of a Redis-queued gateway: what a request costs when it is made durable in Redis before any
 * worker sees it and its tokens come back through a Redis stream, with nothing else. A request is one
 * MULTI (the job's body on the queue's list; the reply means it is stored), then XREAD BLOCK on the job's
 * stream until its end entry (for `stream:false`, until the line with `"done":true`). `stream:false` answers
 * one JSON object merged from the streamed lines; otherwise the lines are written as they arrive. No auth,
 * validation, priorities, placement or failover.
 */
import * as http from 'node:http';
import Redis from 'ioredis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE = 'floor:queue';
const commands = new Redis(REDIS_URL);
/** Blocking reads need a connection each; idle ones are kept for the next request. */
const idleReaders: Redis[] = [];
let nextId = 0;

async function* lines(jobId: string): AsyncGenerator<string[]> {
  const reader = idleReaders.pop() ?? new Redis(REDIS_URL);
  try {
    let after = '0';
    for (;;) {
      const reply = await reader.xread(
        'COUNT',
        256,
        'BLOCK',
        10_000,
        'STREAMS',
        `floor:stream:${jobId}`,
        after,
      );
      if (!reply) throw new Error('no answer within 10 s');
      for (const [id, fields] of reply[0]?.[1] ?? []) {
        after = id;
        if (fields[0] === 'end') return;
        yield (fields[1] ?? '').split('\n').filter((line) => line.length > 0);
      }
    }
  } finally {
    idleReaders.push(reader);
  }
}

async function handle(body: string, res: http.ServerResponse): Promise<void> {
  const jobId = `${process.pid}-${nextId++}`;
  const stream = (JSON.parse(body) as { stream?: boolean }).stream !== false;
  await commands
    .multi()
    .lpush(QUEUE, JSON.stringify({ id: jobId, body }))
    .exec();
  if (stream) {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for await (const batch of lines(jobId)) res.write(batch.map((line) => `${line}\n`).join(''));
    res.end();
    return;
  }
  let text = '';
  let last: { response?: string; done?: boolean } = {};
  reading: for await (const batch of lines(jobId))
    for (const line of batch) {
      last = JSON.parse(line) as typeof last;
      text += last.response ?? '';
      if (last.done === true) break reading;
    }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ ...last, response: text }));
}

const server = http.createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    handle(Buffer.concat(parts).toString('utf8'), res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: error.message }));
    });
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
