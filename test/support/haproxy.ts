import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port';
import { waitFor } from './wait-for';

/** One gateway behind the balancer. */
export interface Backend {
  name: string;
  port: number;
}

/** Debian installs it in /usr/sbin, which is not on every user's PATH; `make test` installs it when missing. */
export function haproxyBinary(): string {
  for (const candidate of ['/usr/sbin/haproxy', '/usr/bin/haproxy'])
    if (existsSync(candidate)) return candidate;
  return 'haproxy';
}

/**
 * The settings docs/deployment.md recommends ("High availability: gateways behind a balancer"), with
 * test-speed health checks: /health/ready every 250 ms, down after 2 failures, up after 2 successes.
 * Each answer says which server served it (x-served-by), so tests can tell the gateways apart.
 */
export function haproxyConfig(port: number, statsPort: number, backends: Backend[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 330s',
    '  timeout server 330s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    '  timeout check 1s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response',
    'frontend api',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    'backend gateways',
    '  balance leastconn',
    '  option httpchk GET /health/ready',
    '  http-check expect status 200',
    '  http-response set-header x-served-by %s',
    '  default-server inter 250ms fastinter 250ms downinter 250ms fall 2 rise 2',
    ...backends.map(({ name, port: p }) => `  server ${name} 127.0.0.1:${p} check`),
    'listen stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
}

/** A real HAProxy process in front of the given gateways, on a free port. */
export class HaproxyBalancer {
  private process: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'gridllm-haproxy-'));
  private output = '';
  port = 0;
  private statsPort = 0;

  constructor(private readonly backends: Backend[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.output;
  }

  async start(): Promise<this> {
    [this.port, this.statsPort] = [await freePort(), await freePort()];
    const file = join(this.dir, 'haproxy.cfg');
    writeFileSync(file, haproxyConfig(this.port, this.statsPort, this.backends));
    // -c first: a bad configuration fails with HAProxy's own message instead of a timeout.
    execFileSync(haproxyBinary(), ['-c', '-q', '-f', file]);
    this.process = spawn(haproxyBinary(), ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout?.on('data', (data: Buffer) => (this.output += data.toString()));
    this.process.stderr?.on('data', (data: Buffer) => (this.output += data.toString()));
    await waitFor('haproxy stats', async () => (await fetch(this.statsUrl())).ok);
    return this;
  }

  /** Each server's status as HAProxy's health checks see it: UP, DOWN, or a transition ("UP 1/2"). */
  async states(): Promise<Record<string, string>> {
    const csv = await (await fetch(this.statsUrl())).text();
    const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
    const columns = header.split(',');
    const [px, sv, status] = ['pxname', 'svname', 'status'].map((name) => columns.indexOf(name));
    const states: Record<string, string> = {};
    for (const row of rows.map((line) => line.split(','))) {
      if (row[px] === 'gateways' && row[sv] !== 'BACKEND') states[row[sv]] = row[status];
    }
    return states;
  }

  async waitForState(name: string, state: 'UP' | 'DOWN', timeoutMs = 20000): Promise<void> {
    await waitFor(
      `haproxy to see ${name} ${state}`,
      async () => (await this.states())[name] === state,
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private statsUrl(): string {
    return `http://127.0.0.1:${this.statsPort}/stats;csv`;
  }
}
