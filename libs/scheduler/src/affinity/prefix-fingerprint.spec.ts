import { JobKind } from '@gridllm/contracts';

import { PREFIX_BLOCK_CHARS, fingerprintPrompt, prefixChain, sessionHash } from './prefix-fingerprint';

describe('prefix fingerprint', () => {
  const system = { role: 'system', content: 'x'.repeat(3 * PREFIX_BLOCK_CHARS) };
  const chat = (...messages: object[]) => fingerprintPrompt(JobKind.Chat, { messages });

  it('gives a follow-up turn the same leading hashes as the turn before it', () => {
    const first = chat(system, { role: 'user', content: 'hi' });
    const next = chat(
      system,
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      {
        role: 'user',
        content: 'y'.repeat(PREFIX_BLOCK_CHARS),
      },
    );
    expect(first).toHaveLength(3);
    expect(next.length).toBeGreaterThan(first.length);
    expect(next.slice(0, first.length)).toEqual(first);
  });

  it('chains the hashes: prompts that differ early share no hash, even with equal later blocks', () => {
    const a = prefixChain(`a${'z'.repeat(4 * PREFIX_BLOCK_CHARS)}`);
    const b = prefixChain(`b${'z'.repeat(4 * PREFIX_BLOCK_CHARS)}`);
    expect(a.filter((hash) => b.includes(hash))).toEqual([]);
  });

  it('fingerprints only full blocks and only prompt-bearing kinds', () => {
    expect(prefixChain('short')).toEqual([]);
    expect(fingerprintPrompt(JobKind.Embed, { input: 'x'.repeat(5000) })).toEqual([]);
    expect(fingerprintPrompt(JobKind.Generate, { prompt: 'x'.repeat(600) })).toHaveLength(2);
  });

  it('scopes a session name to its owner', () => {
    expect(sessionHash('key-a', 'default')).not.toBe(sessionHash('key-b', 'default'));
    expect(sessionHash('key-a', 'default')).toBe(sessionHash('key-a', 'default'));
  });
});
