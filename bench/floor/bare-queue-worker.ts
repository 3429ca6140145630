/**
 * The worker half of the floor (see bare-queue-gateway.ts): SLOTS loops, each taking one job at a time
 * with BLMOVE from the queue to this worker's processing list (a job taken is never lost: it sits there
 * until done), calling the engine with `stream:true`, and appending its lines to the job's stream: the
 * first at once, then what arrived while a write was in flight as one entry (as GridLLM's appender does).
 * At the end, one MULTI: the lines still buffered, the end entry, the stream's expiry and the job's removal
 * from the processing list. No heartbeats, locks, fencing, cancellation or retries.
 */
import * as http from 'node:http';
import Redis from 'ioredis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const engine = new URL(process.env.ENGINE_URL ?? 'http://127.0.0.1:11434');
const SLOTS = Number(process.env.SLOTS ?? 32);
const QUEUE = 'floor:queue';
const PROCESSING = `floor:processing:${process.pid}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: SLOTS });
const commands = new Redis(REDIS_URL);

function callEngine(body: string, onData: (text: string) => void): Promise<void> {
  const payload = Buffer.from(JSON.stringify({ ...(JSON.parse(body) as object), stream: true }));
  return new Promise<void>((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: engine.hostname,
        port: engine.port,
        method: 'POST',
        path: '/api/generate',
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', onData);
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function slot(): Promise<void> {
  const taker = new Redis(REDIS_URL);
  for (;;) {
    const element = await taker.blmove(QUEUE, PROCESSING, 'RIGHT', 'LEFT', 0);
    if (!element) continue;
    const { id, body } = JSON.parse(element) as { id: string; body: string };
    const stream = `floor:stream:${id}`;
    let buffered = '';
    const writes: { inFlight: Promise<unknown> | null } = { inFlight: null };
    const pump = (): void => {
      if (writes.inFlight || !buffered) return;
      const text = buffered;
      buffered = '';
      writes.inFlight = commands.xadd(stream, '*', 'd', text).then(() => {
        writes.inFlight = null;
        pump();
      });
    };
    await callEngine(body, (text) => {
      buffered += text;
      pump();
    });
    while (writes.inFlight) await writes.inFlight;
    const multi = commands.multi();
    if (buffered) multi.xadd(stream, '*', 'd', buffered);
    await multi.xadd(stream, '*', 'end', '1').expire(stream, 60).lrem(PROCESSING, 1, element).exec();
  }
}

for (let i = 0; i < SLOTS; i++) void slot();
console.log(`listening on redis ${REDIS_URL} with ${SLOTS} slots`);
process.on('SIGTERM', () => process.exit(0));
