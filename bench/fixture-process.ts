import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'test/fixtures/ollama-fixture-cli.ts');
const READY = /ollama-fixture listening on (http:\/\/\S+)/;

export interface FixtureProcessOptions {
  models: string[];
  tokens: number;
  tokenDelayMs: number;
  numParallel: number;
  startTimeoutMs: number;
}

/** The Ollama fixture as its own process (test/fixtures/ollama-fixture-cli.ts), on a port the OS picks. */
export class FixtureProcess {
  private child: ChildProcess | null = null;
  private output = '';
  url = '';

  constructor(private readonly options: FixtureProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<this> {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', CLI], {
      cwd: ROOT,
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: '1',
        FIXTURE_PORT: '0',
        FIXTURE_HOST: '127.0.0.1',
        FIXTURE_MODELS: this.options.models.join(','),
        FIXTURE_TOKENS: String(this.options.tokens),
        FIXTURE_TOKEN_DELAY_MS: String(this.options.tokenDelayMs),
        FIXTURE_NUM_PARALLEL: String(this.options.numParallel),
        FIXTURE_LOADED: this.options.models.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`fixture did not start within ${this.options.startTimeoutMs} ms: ${this.output}`)),
        this.options.startTimeoutMs,
      );
      const settle = (error: Error | null, url = ''): void => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(url);
      };
      child.stdout?.on('data', (data: Buffer) => {
        this.output += data.toString();
        const match = READY.exec(this.output);
        if (match?.[1]) settle(null, match[1]);
      });
      child.stderr?.on('data', (data: Buffer) => (this.output += data.toString()));
      child.once('error', (error) => settle(error));
      child.once('exit', (code, signal) =>
        settle(new Error(`fixture exited (${code ?? signal}) before listening: ${this.output}`)),
      );
    });
    return this;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Last resort at process exit: no waiting possible. */
  killNow(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL');
  }
}
