import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { GATEWAY_NODE_FLAGS } from '../../apps/gateway/src/node-flags';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');
const ENTRY = {
  gateway: 'dist/apps/gateway/src/main.js',
  worker: 'dist/apps/worker/src/main.js',
};

/**
 * The node flags the gateway of the build at `root` is launched with: this checkout's, or another build's
 * own (`npm run bench:ab` runs two builds; one from before the flags existed has none).
 */
async function gatewayFlagsOf(root: string): Promise<readonly string[]> {
  if (root === ROOT) return GATEWAY_NODE_FLAGS;
  const built = join(root, 'dist/apps/gateway/src/node-flags.js');
  if (!existsSync(built)) return [];
  return ((await import(built)) as { GATEWAY_NODE_FLAGS: readonly string[] }).GATEWAY_NODE_FLAGS;
}

/** Variables of the developer's shell that must not leak into the apps under test. */
export const SCRUBBED =
  /^(REDIS_|OLLAMA_|GATEWAY_|BLOB_|WORKER_|LLAMA_|ENGINE(_|$)|CIRCUIT_|MODELS_DIR$|PORT$|HOST$|MAX_CONCURRENT|MAX_QUEUE|BODY_LIMIT|DEFAULT_JOB_TIMEOUT|LOG_|API_KEY_|ADMIN_API_KEY$|ALLOW_UNAUTHENTICATED$|METRICS_TOKEN$|JWT_|RATE_LIMIT_|KEY_MAX_CONCURRENT$)/;

/** A built app (gateway or worker) running as its own process, as in production. */
export class AppProcess {
  private child: ChildProcess | null = null;
  private output = '';
  readonly port: Promise<number>;

  /** `root`: the checkout whose build runs (another build's, for `npm run bench:ab`). */
  constructor(
    readonly app: 'gateway' | 'worker',
    private readonly env: Record<string, string>,
    port?: number,
    private readonly root = ROOT,
  ) {
    this.port = port ? Promise.resolve(port) : freePort();
  }

  get url(): Promise<string> {
    return this.port.then((port) => `http://127.0.0.1:${port}`);
  }

  /** Everything the process printed so far. */
  get logs(): string {
    return this.output;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until it answers HTTP; a process that does not is killed. */
  async start(timeoutMs = 15000): Promise<this> {
    const entry = join(this.root, ENTRY[this.app]);
    if (!existsSync(entry)) throw new Error(`${entry} missing: run "npm run build" first`);
    const port = String(await this.port);
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !SCRUBBED.test(key)));
    const portVar = this.app === 'gateway' ? 'GATEWAY_PORT' : 'WORKER_PORT';
    this.output = '';
    // The gateway runs with the node flags its launchers give it in production.
    const flags = this.app === 'gateway' ? await gatewayFlagsOf(this.root) : [];
    this.child = spawn(process.execPath, [...flags, entry], {
      cwd: this.root,
      // HOST: a gateway with auth on would otherwise listen on every interface; tests stay on loopback.
      env: {
        ...inherited,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        [portVar]: port,
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (data: Buffer) => (this.output += data.toString()));
    this.child.stderr?.on('data', (data: Buffer) => (this.output += data.toString()));
    const child = this.child;
    // A process that exits during start-up (e.g. refusing its configuration) fails the start at once.
    const exited = new Promise<never>((_, reject) =>
      child.once('close', () => reject(new Error(`${this.app} exited: ${this.output}`))),
    );
    exited.catch(() => undefined);
    const answering = waitFor(
      `${this.app} on port ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.app} exited: ${this.output}`);
        const path = this.app === 'gateway' ? '/api/version' : '/health';
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        return response.status > 0;
      },
      timeoutMs,
    );
    try {
      await Promise.race([exited, answering]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return this;
  }

  /** Sends a signal and waits for the process to exit; returns its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  get exited(): boolean {
    return !this.child || this.child.exitCode !== null || this.child.signalCode !== null;
  }
}
