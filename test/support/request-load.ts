import { OllamaFixture } from '../fixtures/ollama-fixture';

/** One request of the load and how it ended. */
export interface LoadResult {
  kind: LoadKind;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** Why it failed: status, socket error, an error line, wrong or truncated text. */
  problem?: string;
  /** The balancer's server name (x-served-by), when headers arrived. */
  servedBy?: string;
}

export type LoadKind = 'ollama-stream' | 'ollama-json' | 'openai-sse' | 'native';

const KINDS: LoadKind[] = ['ollama-stream', 'ollama-json', 'openai-sse', 'native'];

/**
 * Clients that send requests back to back through `baseUrl` (fetch keeps connections alive, like real
 * clients), rotating over streaming and non-streaming families, and check every answer byte for byte
 * against the fixture's deterministic text: an error line or a truncated stream counts as a failure.
 */
export class RequestLoad {
  readonly results: LoadResult[] = [];
  private running = false;
  private loops: Array<Promise<void>> = [];
  private sent = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly fixture: OllamaFixture,
    private readonly model: string,
    private readonly tokens: number,
  ) {}

  start(clients: number): this {
    this.running = true;
    this.loops = Array.from({ length: clients }, () => this.loop());
    return this;
  }

  /** Stops sending and waits for the requests still open. */
  async stop(): Promise<LoadResult[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.results;
  }

  failures(): LoadResult[] {
    return this.results.filter((result) => !result.ok);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const n = this.sent++;
      const kind = KINDS[n % KINDS.length];
      const startedAt = Date.now();
      const outcome = await this.send(kind, `load request ${n}`).catch((error: Error) => ({
        problem: `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`.trim(),
        servedBy: undefined,
      }));
      this.results.push({ kind, startedAt, endedAt: Date.now(), ok: !outcome.problem, ...outcome });
    }
  }

  private async send(kind: LoadKind, prompt: string): Promise<{ problem?: string; servedBy?: string }> {
    const options = { num_predict: this.tokens };
    const generate = this.fixture.expectedTokens('generate', { prompt, options }).join('');
    const messages = [{ role: 'user', content: prompt }];
    const chat = this.fixture.expectedTokens('chat', { messages, options }).join('');
    const model = this.model;
    switch (kind) {
      case 'ollama-stream':
        return this.check('/api/generate', { model, prompt, options }, (body) => ndjsonText(body, generate));
      case 'ollama-json':
        return this.check('/api/chat', { model, messages, options, stream: false }, (body) =>
          same((JSON.parse(body) as { message?: { content?: string } }).message?.content, chat),
        );
      case 'openai-sse':
        return this.check(
          '/v1/chat/completions',
          { model, messages, max_tokens: this.tokens, stream: true },
          (body) => sseText(body, chat),
        );
      case 'native':
        return this.check('/inference', { model, prompt, options, stream: false }, (body) =>
          same((JSON.parse(body) as { result?: { response?: string } }).result?.response, generate),
        );
    }
  }

  private async check(
    path: string,
    body: unknown,
    verify: (text: string) => string | undefined,
  ): Promise<{ problem?: string; servedBy?: string }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const servedBy = response.headers.get('x-served-by') ?? undefined;
    const text = await response.text();
    if (response.status !== 200)
      return { servedBy, problem: `${path}: ${response.status} ${text.slice(0, 200)}` };
    const problem = verify(text);
    return { servedBy, problem: problem && `${path}: ${problem}` };
  }
}

function same(actual: string | undefined, expected: string): string | undefined {
  return actual === expected
    ? undefined
    : `text ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`;
}

function ndjsonText(body: string, expected: string): string | undefined {
  const lines = body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { response?: string; done?: boolean; error?: string });
  const error = lines.find((line) => line.error !== undefined);
  if (error) return `error line ${JSON.stringify(error.error)}`;
  if (lines.at(-1)?.done !== true) return 'stream ended without done:true';
  return same(lines.map((line) => line.response ?? '').join(''), expected);
}

function sseText(body: string, expected: string): string | undefined {
  const events = body
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
  if (events.at(-1) !== '[DONE]') return `stream ended without [DONE]: ${events.at(-1) ?? ''}`;
  const chunks = events.slice(0, -1).map(
    (event) =>
      JSON.parse(event) as {
        error?: unknown;
        choices?: Array<{ delta?: { content?: string } }>;
      },
  );
  if (chunks.some((chunk) => chunk.error !== undefined)) return 'error event';
  return same(chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join(''), expected);
}
