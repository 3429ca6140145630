import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { GATEWAY_NODE_FLAGS } from './node-flags';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const flags = GATEWAY_NODE_FLAGS.join(' ');

describe('the gateway is launched with its node flags everywhere', () => {
  it('by the image entrypoint', () => {
    expect(read('docker/entrypoint.sh')).toContain(`exec node ${flags} dist/apps/gateway/src/main.js`);
  });

  it('by make start', () => {
    expect(read('scripts/start.sh')).toContain(`start_child gateway node ${flags} "$gateway_js"`);
  });

  it('by npm run start:gateway', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:gateway']).toBe(`node ${flags} dist/apps/gateway/src/main.js`);
  });

  it('by the tests and the bench', () => {
    expect(read('test/support/app-process.ts')).toContain('GATEWAY_NODE_FLAGS');
  });
});
