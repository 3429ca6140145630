import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from './app-process';
import { TestGrid } from './test-grid';

export const ADMIN_KEY = 'admin-key-for-hostile-input-0123456789';
export const PROMPT_MARKER = 'okapi9hostile7prompt';
const LOGGING = { LOG_LEVEL: 'info', LOG_FORMAT: 'json' };
export const MODEL = 'llama3.2';

/** One route of each error family, with a body that would succeed. */
export interface Family {
  name: string;
  path: string;
  body: Record<string, unknown>;
  openAi: boolean;
}

export const FAMILIES: Family[] = [
  {
    name: 'Ollama',
    path: '/api/generate',
    body: { model: MODEL, prompt: 'x', stream: false },
    openAi: false,
  },
  {
    name: 'Ollama under /ollama',
    path: '/ollama/api/chat',
    body: { model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: false },
    openAi: false,
  },
  {
    name: 'OpenAI',
    path: '/v1/chat/completions',
    body: { model: MODEL, messages: [{ role: 'user', content: 'x' }] },
    openAi: true,
  },
  { name: 'native', path: '/inference', body: { model: MODEL, prompt: 'x' }, openAi: false },
];

/** The error message of a refusal, after checking the family's shape: `{"error":"…"}` or OpenAI's object. */
export async function refusal(response: Response, status: number, openAi: boolean): Promise<string> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: unknown };
  expect(Object.keys(body)).toEqual(['error']);
  if (!openAi) {
    expect(typeof body.error).toBe('string');
    return body.error as string;
  }
  const error = body.error as { message: string; type: string; param: null; code: null };
  expect(error).toEqual({
    message: expect.any(String) as string,
    type: status === 400 ? 'invalid_request_error' : expect.any(String),
    param: null,
    code: null,
  });
  return error.message;
}

/** `{"model":…, <field>: [[[…]]]}` nested `levels` deep inside one field, written as text. */
export function nestedBody(base: Record<string, unknown>, field: string, levels: number): string {
  const start = JSON.stringify(base).slice(0, -1);
  return `${start},"${field}":${'['.repeat(levels)}${']'.repeat(levels)}}`;
}

/**
 * The grid of the hostile-input specs: a gateway with auth off (`gatewayUrl`, access log at info) and one
 * with auth on (`securedUrl`, ADMIN_KEY) on the same Redis, one worker and a fixture serving MODEL.
 */
export class HostileGrid extends TestGrid {
  fixture!: OllamaFixture;
  plain!: AppProcess;
  secured!: AppProcess;
  securedUrl = '';

  async startAll(): Promise<void> {
    await this.start();
    this.fixture = await this.startFixture({ models: [{ name: `${MODEL}:latest` }] });
    this.plain = await this.startGateway(LOGGING);
    await this.startWorker('hostile-worker', this.fixture);
    this.secured = await new AppProcess('gateway', {
      ...this.redisEnv(),
      ...LOGGING,
      ADMIN_API_KEY: ADMIN_KEY,
    }).start();
    this.securedUrl = await this.secured.url;
  }

  /** POSTs `body` as it is (text or bytes) with JSON's Content-Type and `headers`. */
  send(path: string, body: string | Buffer, headers: Record<string, string> = {}, url = this.gatewayUrl) {
    return fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });
  }

  override async stop(): Promise<void> {
    await this.secured?.stop('SIGKILL');
    await super.stop();
  }
}
