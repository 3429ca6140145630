import Redis from 'ioredis';

import { AppProcess } from '../test/support/app-process';
import { RedisServer } from '../test/support/redis-server';
import { waitFor } from '../test/support/wait-for';
import { FixtureProcess } from './fixture-process';
import type { BenchSettings } from './settings';

export interface GridOptions {
  model: string;
  tokens: number;
  fixtureParallel: number;
  workerSlots: number;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  /** Added to the gateway's environment (e.g. admission limits for the crowd row). */
  gatewayEnv?: Record<string, string>;
  /** Added to the first worker's environment (`bench:ab`'s BENCH_A_WORKER_ENV / BENCH_B_WORKER_ENV). */
  workerEnv?: Record<string, string>;
  /** The checkout whose built gateway and worker run (default: this one; `npm run bench:ab` runs two). */
  appRoot?: string;
}

const WORKER_ID = 'bench-worker';

/**
 * The small grid the quick comparisons run (`bench:ab`, `bench:floor`, the hot-path probe): 8-token answers,
 * 32 fixture and worker slots.
 */
export function probeGridOptions(model: string, rest: Partial<GridOptions> = {}): GridOptions {
  return {
    model,
    tokens: 8,
    fixtureParallel: 32,
    workerSlots: 32,
    startTimeoutMs: 60_000,
    stopTimeoutMs: 20_000,
    ...rest,
  };
}

/** The grid the bench's settings describe (model, tokens, one worker slot per fixture slot, timeouts). */
export function gridOptionsFrom(
  settings: BenchSettings,
  rest: Pick<GridOptions, 'stopTimeoutMs' | 'gatewayEnv'>,
): GridOptions {
  return {
    model: settings.model,
    tokens: settings.tokens,
    fixtureParallel: settings.parallel,
    workerSlots: settings.parallel,
    startTimeoutMs: settings.startTimeoutMs,
    ...rest,
  };
}

/**
 * What the benchmark runs against: the fixture process, a real redis-server, the built gateway and ONE
 * worker in front of the fixture, each its own process on loopback; later phases may add workers of their
 * own (`startWorker`). `stop()` ends whatever was started, each step bounded in time, and may be called
 * any number of times.
 */
export class BenchGrid {
  readonly redis = new RedisServer();
  fixture: FixtureProcess;
  gateway: AppProcess | null = null;
  worker: AppProcess | null = null;
  /** Workers started later by a phase (the embedded engine), one at a time. */
  readonly extraWorkers: AppProcess[] = [];
  /** Gateways started later by a phase (auth on), beside the first. */
  readonly extraGateways: AppProcess[] = [];
  fixtureUrl = '';
  gatewayUrl = '';
  private redisStarted = false;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: GridOptions) {
    this.fixture = new FixtureProcess({
      models: [options.model],
      tokens: options.tokens,
      tokenDelayMs: 0,
      numParallel: options.fixtureParallel,
      startTimeoutMs: options.startTimeoutMs,
    });
  }

  async start(log: (line: string) => void): Promise<void> {
    this.fixtureUrl = (await this.fixture.start()).url;
    log(`fixture  ${this.fixtureUrl} (pid ${this.fixture.pid})`);
    this.redisStarted = true;
    await this.redis.start();
    log(`redis    127.0.0.1:${this.redis.port}`);
    const root = this.options.appRoot;
    this.gateway = new AppProcess(
      'gateway',
      { ...this.redisEnv(), ...this.options.gatewayEnv },
      undefined,
      root,
    );
    await this.gateway.start();
    this.gatewayUrl = await this.gateway.url;
    log(`gateway  ${this.gatewayUrl} (pid ${this.gateway.pid})`);
    this.worker = new AppProcess(
      'worker',
      {
        ...this.redisEnv(),
        WORKER_ID,
        OLLAMA_URL: this.fixtureUrl,
        MAX_CONCURRENT_TASKS: String(this.options.workerSlots),
        ...this.options.workerEnv,
      },
      undefined,
      root,
    );
    await this.worker.start();
    await this.waitReady(WORKER_ID);
    log(`worker   ${WORKER_ID} ready, ${this.options.workerSlots} slots (pid ${this.worker.pid})`);
  }

  /**
   * Starts one more worker on the grid's Redis (`env` adds to or overrides the Redis settings) and waits
   * until the gateway lists it ready. It is stopped with the grid unless `stopWorker` ends it before.
   */
  async startWorker(id: string, env: Record<string, string>): Promise<AppProcess> {
    const worker = new AppProcess(
      'worker',
      { ...this.redisEnv(), WORKER_ID: id, ...env },
      undefined,
      this.options.appRoot,
    );
    this.extraWorkers.push(worker);
    await worker.start();
    await this.waitReady(id);
    return worker;
  }

  /**
   * Starts one more gateway on the grid's Redis, with the first one's settings plus `env`; it is stopped
   * with the grid unless the caller stops it before.
   */
  async startGateway(env: Record<string, string>): Promise<AppProcess> {
    const gateway = new AppProcess(
      'gateway',
      { ...this.redisEnv(), ...this.options.gatewayEnv, ...env },
      undefined,
      this.options.appRoot,
    );
    this.extraGateways.push(gateway);
    await gateway.start();
    return gateway;
  }

  /**
   * Stops a worker from `startWorker` gracefully (SIGTERM), killing it if that takes too long; resolves
   * to its exit code (null when killed).
   */
  stopWorker(worker: AppProcess): Promise<number | null> {
    return withTimeout('worker', worker.stop('SIGTERM'), this.options.stopTimeoutMs).catch(() =>
      worker.stop('SIGKILL'),
    );
  }

  /** A client on the grid's Redis for probes; the caller quits it. */
  redisClient(): Redis {
    return this.redis.client();
  }

  /** Process ids by role, for telling Redis connections apart. */
  pids(): Record<'gateway' | 'worker', number | undefined> {
    return { gateway: this.gateway?.pid, worker: this.worker?.pid };
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** Synchronous last resort (process 'exit'): kills the processes whose pid we know. */
  killNow(): void {
    this.fixture.killNow();
    for (const app of [...this.extraWorkers, this.worker, this.gateway, ...this.extraGateways]) {
      const pid = app && !app.exited ? app.pid : undefined;
      if (pid) safeKill(pid);
    }
  }

  private redisEnv(): Record<string, string> {
    return { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(this.redis.port) };
  }

  private async waitReady(id: string): Promise<void> {
    await waitFor(
      `worker ${id} ready`,
      async () => {
        const response = await fetch(`${this.gatewayUrl}/admin/workers`);
        const workers = (await response.json()) as Array<{ id: string; status: string }>;
        return workers.some((worker) => worker.id === id && worker.status === 'ready');
      },
      this.options.startTimeoutMs,
    );
  }

  private async stopAll(): Promise<void> {
    const bounded = (what: string, task: () => Promise<unknown>) =>
      withTimeout(what, task(), this.options.stopTimeoutMs).catch((error: Error) =>
        console.error(`bench: stopping ${what}: ${error.message}`),
      );
    for (const worker of this.extraWorkers) await bounded('worker', () => worker.stop('SIGKILL'));
    if (this.worker) await bounded('worker', () => this.worker?.stop('SIGKILL') ?? Promise.resolve());
    if (this.gateway) await bounded('gateway', () => this.gateway?.stop('SIGKILL') ?? Promise.resolve());
    for (const gateway of this.extraGateways) await bounded('gateway', () => gateway.stop('SIGKILL'));
    await bounded('fixture', () => this.fixture.stop());
    if (this.redisStarted) await bounded('redis-server', () => this.redis.stop());
  }
}

function safeKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Rejects when `promise` is not settled within `ms` (the timer never keeps the process alive). */
export function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
