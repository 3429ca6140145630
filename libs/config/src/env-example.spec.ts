import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'dotenv';

import { EnvSchema } from './env.schema';
import { OPTIONAL_ENV_KEYS, parseGridConfig } from './grid-config';

const root = join(__dirname, '..', '..', '..');

describe('.env.example', () => {
  const example = parse(readFileSync(join(root, '.env.example')));

  it('lists every variable the schema reads', () => {
    const schemaKeys = [...Object.keys(new EnvSchema()), ...OPTIONAL_ENV_KEYS];
    expect(schemaKeys.filter((key) => !(key in example))).toEqual([]);
  });

  it('is a valid configuration as written', () => {
    expect(() => parseGridConfig(example)).not.toThrow();
  });

  it.each(['development', 'production', 'test'])('config/%s.env is a valid configuration', (env) => {
    const values = parse(readFileSync(join(root, 'config', `${env}.env`)));
    expect(() => parseGridConfig({ ...values, NODE_ENV: env })).not.toThrow();
  });
});
