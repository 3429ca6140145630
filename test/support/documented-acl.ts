import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import Redis from 'ioredis';

const SECURITY_DOC = join(__dirname, '..', '..', 'docs', 'security.md');

/**
 * Creates `user` with exactly the `ACL SETUSER` rules docs/security.md documents for it, its placeholder
 * password replaced: the tests run under the documented ACL, so the documentation is proven to work.
 */
export async function createDocumentedAclUser(admin: Redis, user: string, password: string): Promise<void> {
  const line = readFileSync(SECURITY_DOC, 'utf8')
    .split('\n')
    .find((text) => text.startsWith(`ACL SETUSER ${user} `));
  if (!line) throw new Error(`docs/security.md documents no "ACL SETUSER ${user}" line`);
  const rules = line
    .split(/\s+/)
    .slice(3)
    .map((rule) => (rule.startsWith('>CHANGE-ME') ? `>${password}` : rule));
  await admin.call('ACL', 'SETUSER', user, ...rules);
}

/** Commands, keys or channels Redis refused to `user` since the last `ACL LOG RESET`, as readable lines. */
export async function aclDenials(admin: Redis, user: string): Promise<string[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries
    .map((entry) => fieldsOf(entry))
    .filter((fields) => fields.username === user)
    .map((fields) => `${String(fields.reason)} ${String(fields.object)} (${String(fields.context)})`);
}

function fieldsOf(entry: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let index = 0; index + 1 < entry.length; index += 2) fields[String(entry[index])] = entry[index + 1];
  return fields;
}
