import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const READY = /listening on (\S+)/;

/** One of the floor's bare processes (bench/floor/*.ts), run with ts-node; `start` waits until it listens. */
export class FloorProcess {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    private readonly script: string,
    private readonly env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs: number): Promise<string> {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', join(__dirname, this.script)], {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.script} did not start: ${this.output}`)),
        timeoutMs,
      );
      const collect = (data: Buffer): void => {
        this.output += data.toString();
        const match = READY.exec(this.output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.script} exited (${code}): ${this.output}`));
      });
    });
  }

  stop(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
