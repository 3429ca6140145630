import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { SCRUBBED } from './app-process';
import { freePort } from './free-port';

const ROOT = join(__dirname, '..', '..');

export interface AppExit {
  code: number | null;
  output: string;
}

/**
 * Runs a built app that is expected to refuse to start, and resolves with its exit code and output. Rejects
 * if it is still running after `timeoutMs` (it is killed then), so a refusal that never comes fails the test.
 */
export async function runUntilExit(
  app: 'gateway' | 'worker',
  env: Record<string, string>,
  timeoutMs = 20000,
): Promise<AppExit> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !SCRUBBED.test(key)));
  const portVar = app === 'gateway' ? 'GATEWAY_PORT' : 'WORKER_PORT';
  const child = spawn(process.execPath, [join(ROOT, `dist/apps/${app}/src/main.js`)], {
    cwd: ROOT,
    env: {
      ...inherited,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      [portVar]: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  return new Promise<AppExit>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} still running after ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
