import { createHmac, timingSafeEqual } from 'node:crypto';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** One callback as the receiver got it. */
export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  path: string;
  /** The raw body, exactly as signed. */
  body: string;
  at: number;
  /** What the receiver answered (or `hang`: no answer at all). */
  answered: number | 'hang';
}

/**
 * A small callback receiver, as a user would write one: records every POST with its raw body, answers
 * from a script (`500`, `hang` …, then 200 for the rest).
 */
export class WebhookReceiver {
  readonly received: ReceivedCallback[] = [];
  private script: Array<number | 'hang'> = [];
  private readonly server: Server;
  private readonly hanging = new Set<() => void>();

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = this.script.shift() ?? 200;
        this.received.push({
          headers: req.headers,
          path: req.url ?? '',
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
          answered: answer,
        });
        if (answer === 'hang') {
          const release = () => res.destroy();
          this.hanging.add(release);
          res.on('close', () => this.hanging.delete(release));
          return;
        }
        const location = answer >= 300 && answer < 400 ? { location: '/redirected' } : {};
        res.writeHead(answer, { 'content-type': 'text/plain', ...location }).end('ok');
      });
    });
  }

  /** The answers to give next, in order; afterwards every callback gets 200. */
  answerNext(...answers: Array<number | 'hang'>): void {
    this.script = answers;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Callbacks about one job (the delivery header carries its id). */
  about(jobId: string): ReceivedCallback[] {
    // Anything but the hook path would be a followed redirect.
    if (this.received.some((callback) => callback.path !== '/hook'))
      throw new Error('a redirect was followed');
    return this.received.filter((callback) => callback.headers['x-gridllm-delivery'] === jobId);
  }

  async stop(): Promise<void> {
    this.hanging.forEach((release) => release());
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Verifies a callback as the docs tell receivers to: HMAC-SHA256 of "<timestamp>.<raw body>" with the
 * shared secret, compared in constant time, and a timestamp no older than `toleranceSeconds`.
 */
export function verifyCallback(callback: ReceivedCallback, secret: string, toleranceSeconds = 300): boolean {
  const timestamp = String(callback.headers['x-gridllm-timestamp'] ?? '');
  const signature = String(callback.headers['x-gridllm-signature'] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${callback.body}`).digest('hex')}`;
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= toleranceSeconds;
  return (
    fresh &&
    signature.length === expected.length &&
    timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  );
}
