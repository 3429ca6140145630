/** Hostile values and changes to a request body's JSON text, the fuzzer's ingredients. */

/** Names that must be refused, or that probe injection and traversal. */
export const HOSTILE_NAMES = [
  '$(touch /tmp/gridllm-pwned)',
  '`id`',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  'a b',
  'name\u0000nul',
  '-rf',
  ':',
  '/',
  'x'.repeat(81),
  `${'h'.repeat(351)}/ns/model`,
  '__proto__',
  'constructor',
];

/** Numbers no engine field should take. */
export const HOSTILE_NUMBERS = [1e308, -1e308, 2 ** 53, -(2 ** 53), 2 ** 31, 2 ** 32, -3, 1.5, 0, -1, -2];

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

export interface Mutation {
  name: string;
  apply(text: string): string;
}

/** Adds a field to a JSON object's text (or wraps other JSON in an object that has it). */
function withField(text: string, field: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return `{${field}}`;
  return trimmed === '{}' ? `{${field}}` : `${trimmed.slice(0, -1)},${field}}`;
}

export function deepNesting(levels: number): Mutation {
  return {
    name: `deep:${levels}`,
    apply: (text) => withField(text, `"x_nested":${'['.repeat(levels)}${']'.repeat(levels)}`),
  };
}

export function prototypeKey(key: string): Mutation {
  const value = '{"polluted":true,"model":"secret-model","prototype":{"polluted":true}}';
  return { name: `proto:${key}`, apply: (text) => withField(text, `"${key}":${value}`) };
}

export function hugeString(length: number): Mutation {
  return {
    name: `huge-string:${length}`,
    apply: (text) => withField(text, `"prompt":"${'A'.repeat(length)}"`),
  };
}

export function truncated(at: number): Mutation {
  return { name: 'truncated', apply: (text) => text.slice(0, text.length > 1 ? at % text.length : 0) };
}

export function replaced(text: string): Mutation {
  return { name: `replaced:${text.slice(0, 10)}`, apply: () => text };
}
