import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { freePort } from './free-port';

const ROOT = join(__dirname, '..', '..');

/** The developer's shell variables that must not reach the app (as in app-process.ts). */
const SCRUBBED =
  /^(REDIS_|OLLAMA_|GATEWAY_|WORKER_|LLAMA_|ENGINE$|PORT$|HOST$|LOG_|API_KEY_|ADMIN_API_KEY$|JWT_)/;

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
    env: { ...inherited, NODE_ENV: 'test', LOG_LEVEL: 'warn', [portVar]: String(await freePort()), ...env },
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
