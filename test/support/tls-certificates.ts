import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RedisServerTls } from './redis-server';

/**
 * A throwaway CA and a server certificate it signed, for 127.0.0.1 and localhost (made with openssl in a
 * temp dir; valid for a day). The caller deletes `dir` when done.
 */
export function makeTestCertificates(): RedisServerTls & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gridllm-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=gridllm-test-ca'],
    ...['-keyout', file('ca.key'), '-out', file('ca.crt')],
  );
  openssl(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost'],
    ...['-keyout', file('redis.key'), '-out', file('redis.csr')],
  );
  writeFileSync(file('san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    ...['x509', '-req', '-in', file('redis.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key')],
    ...['-CAcreateserial', '-days', '1', '-extfile', file('san.cnf'), '-out', file('redis.crt')],
  );
  return { dir, caFile: file('ca.crt'), certFile: file('redis.crt'), keyFile: file('redis.key') };
}
