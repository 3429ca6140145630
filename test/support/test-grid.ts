import { Ollama } from 'ollama';

import { OllamaFixture, OllamaFixtureOptions } from '../fixtures/ollama-fixture';
import { AppProcess } from './app-process';
import { RedisServer } from './redis-server';
import { waitFor } from './wait-for';

/**
 * A whole grid for one test file: a real redis-server, fixture Ollamas, the built gateway and workers as
 * separate processes. Everything started here is stopped by `stop()`.
 */
export class TestGrid {
  readonly redis = new RedisServer();
  /**
   * Another Redis topology (a Sentinel group, a Cluster) in place of the single `redis` server: the grid
   * starts and stops it and gives its `env()` to every app.
   */
  constructor(private readonly topology?: GridRedisTopology) {}

  readonly fixtures: OllamaFixture[] = [];
  readonly workers = new Map<string, AppProcess>();
  gateway: AppProcess | null = null;
  gatewayUrl = '';
  /** ADMIN_API_KEY of the last gateway started, used by the harness's own admin calls. */
  adminKey: string | undefined;

  async start(): Promise<this> {
    await (this.topology ?? this.redis).start();
    return this;
  }

  redisEnv(): Record<string, string> {
    return this.topology?.env() ?? { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(this.redis.port) };
  }

  async startFixture(options: OllamaFixtureOptions = {}, port = 0): Promise<OllamaFixture> {
    const fixture = new OllamaFixture(options);
    await fixture.start(port, '127.0.0.1');
    this.fixtures.push(fixture);
    return fixture;
  }

  async startGateway(env: Record<string, string> = {}): Promise<AppProcess> {
    this.adminKey = env.ADMIN_API_KEY;
    this.gateway = await new AppProcess('gateway', { ...this.redisEnv(), ...env }).start();
    this.gatewayUrl = await this.gateway.url;
    return this.gateway;
  }

  /** Starts a worker in front of `fixture` and waits until the gateway sees it ready. */
  async startWorker(
    id: string,
    fixture: OllamaFixture | string,
    env: Record<string, string> = {},
  ): Promise<AppProcess> {
    const ollamaUrl = typeof fixture === 'string' ? fixture : fixture.url;
    const worker = await new AppProcess('worker', {
      ...this.redisEnv(),
      WORKER_ID: id,
      OLLAMA_URL: ollamaUrl,
      // Explicit: with ENGINE=auto an unreachable Ollama would fall back to the embedded engine.
      ENGINE: 'ollama',
      ...env,
    }).start();
    this.workers.set(id, worker);
    if (env.EXPECT_NOT_READY !== '1') await this.waitForWorker(id, 'ready');
    return worker;
  }

  async waitForWorker(id: string, status: 'ready' | 'not-ready' | 'gone'): Promise<void> {
    await waitFor(`worker ${id} ${status}`, async () => {
      const response = await fetch(`${this.gatewayUrl}/admin/workers`, { headers: this.adminHeaders() });
      const workers = (await response.json()) as Array<{ id: string; status: string }>;
      const found = workers.find((worker) => worker.id === id);
      return status === 'gone' ? !found : found?.status === status;
    });
  }

  /** Credentials for the harness's admin calls when the gateway runs with auth on. */
  adminHeaders(): Record<string, string> {
    return this.adminKey ? { Authorization: `Bearer ${this.adminKey}` } : {};
  }

  /** The official client, pointed at the gateway's /ollama base. */
  client(): Ollama {
    return new Ollama({ host: `${this.gatewayUrl}/ollama` });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers.values()].map((worker) => worker.stop('SIGKILL')));
    await this.gateway?.stop('SIGKILL');
    await Promise.all(this.fixtures.map((fixture) => fixture.stop()));
    await (this.topology ?? this.redis).stop();
  }
}

/** What TestGrid needs of a Redis topology under test. */
export interface GridRedisTopology {
  start(): Promise<unknown>;
  stop(): Promise<void>;
  /** REDIS_* variables that point the apps at it. */
  env(): Record<string, string>;
}

/** Reads an NDJSON HTTP response line by line, recording when each line arrived. */
export async function readNdjson(response: Response): Promise<Array<{ line: string; at: number }>> {
  const lines: Array<{ line: string; at: number }> = [];
  const decoder = new TextDecoder();
  let pending = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(bytes, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      lines.push({ line: pending.slice(0, newline), at: Date.now() });
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  if (pending.length > 0) lines.push({ line: pending, at: Date.now() });
  return lines;
}

export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

/** The fields tests read from JSON answers; everything else stays `unknown`. */
export interface JsonAnswer {
  error?: string;
  response?: string;
  message?: { role: string; content: string; thinking?: string; tool_calls?: unknown[] };
  [field: string]: unknown;
}

export async function jsonOf(response: Response): Promise<JsonAnswer> {
  return (await response.json()) as JsonAnswer;
}
