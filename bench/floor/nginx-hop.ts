import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../test/support/free-port';

const BINARIES = ['/usr/sbin/nginx', '/usr/bin/nginx'];

/**
 * nginx as a one-hop reverse proxy in front of the engine (the reference row), one worker process,
 * keep-alive to the upstream, no buffering, so streamed lines pass as they come. Null when nginx is not
 * installed (`apt-get install nginx`).
 */
export class NginxHop {
  private child: ChildProcess | null = null;
  private dir = '';

  static available(): boolean {
    return BINARIES.some((path) => existsSync(path));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(engine: URL): Promise<string> {
    const port = await freePort();
    this.dir = mkdtempSync(join(tmpdir(), 'gridllm-nginx-'));
    const config = join(this.dir, 'nginx.conf');
    writeFileSync(
      config,
      [
        'worker_processes 1;',
        'master_process off;',
        'daemon off;',
        `pid ${this.dir}/nginx.pid;`,
        `error_log ${this.dir}/error.log warn;`,
        'events { worker_connections 1024; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${this.dir}/body;`,
        `  proxy_temp_path ${this.dir}/proxy;`,
        `  upstream engine { server ${engine.host}; keepalive 64; }`,
        `  server {`,
        `    listen 127.0.0.1:${port};`,
        '    location / {',
        '      proxy_pass http://engine;',
        '      proxy_http_version 1.1;',
        '      proxy_set_header Connection "";',
        '      proxy_buffering off;',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
    const binary = BINARIES.find((path) => existsSync(path)) ?? 'nginx';
    this.child = spawn(binary, ['-c', config, '-p', this.dir], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if (this.child.exitCode !== null) break;
      const up = await fetch(`${url}/api/version`).then(
        (res) => res.ok,
        () => false,
      );
      if (up) return url;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('nginx did not start');
  }

  stop(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
