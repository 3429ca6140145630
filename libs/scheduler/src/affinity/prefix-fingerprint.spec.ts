import { JobKind } from '@gridllm/contracts';

import {
  CHECKPOINT_BLOCKS,
  MAX_PREFIX_BLOCKS,
  MAX_PREFIX_CHECKPOINTS,
  PREFIX_BLOCK_CHARS,
  checkpointBlocks,
  checkpointChars,
  fingerprintPrompt,
  prefixChain,
  prefixCheckpoints,
  sessionHash,
} from './prefix-fingerprint';

describe('prefix fingerprint', () => {
  const system = { role: 'system', content: 'x'.repeat(3 * PREFIX_BLOCK_CHARS) };
  const chat = (...messages: object[]) => fingerprintPrompt(JobKind.Chat, { messages }).hashes;

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
    expect(fingerprintPrompt(JobKind.Embed, { input: 'x'.repeat(5000) }).hashes).toEqual([]);
    expect(fingerprintPrompt(JobKind.Generate, { prompt: 'x'.repeat(600) }).hashes).toHaveLength(2);
  });

  describe('checkpoints', () => {
    it('keeps every block up to 8, then four per doubling, up to the last block fingerprinted', () => {
      expect(checkpointBlocks(40)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40]);
      expect(CHECKPOINT_BLOCKS.at(-1)).toBe(MAX_PREFIX_BLOCKS);
      expect(MAX_PREFIX_CHECKPOINTS).toBe(28 + 4);
    });

    it('grows with the logarithm of the prompt, and misses at most a quarter of a matched prefix', () => {
      for (const blocks of [9, 33, 100, 255]) {
        const kept = CHECKPOINT_BLOCKS.filter((checkpoint) => checkpoint <= blocks);
        expect(kept.length).toBeLessThanOrEqual(4 * Math.log2(blocks));
        expect(kept.at(-1)).toBeGreaterThan(0.75 * blocks);
      }
    });

    it('picks the chain hashes at the checkpoints, so a longer prompt shares a shorter one’s checkpoints', () => {
      const chain = prefixChain('q'.repeat(11 * PREFIX_BLOCK_CHARS));
      const kept = prefixCheckpoints(chain);
      expect(kept).toEqual([...chain.slice(0, 8), chain[9]]);
      expect(prefixCheckpoints(prefixChain('q'.repeat(30 * PREFIX_BLOCK_CHARS))).slice(0, 9)).toEqual(kept);
    });

    it('adds the last message ends, so a follow-up finds exactly where the turn before it ended', () => {
      const system = { role: 'system', content: 's'.repeat(40 * PREFIX_BLOCK_CHARS) };
      const turn = (n: number) => ({ role: 'user', content: `${n} ${'u'.repeat(3 * PREFIX_BLOCK_CHARS)}` });
      const answer = { role: 'assistant', content: 'a'.repeat(PREFIX_BLOCK_CHARS) };
      const before = fingerprintPrompt(JobKind.Chat, { messages: [system, turn(1)] });
      const after = fingerprintPrompt(JobKind.Chat, { messages: [system, turn(1), answer, turn(2)] });

      // The turn before ends at block 43, between the grid's 40 and 48: its last checkpoint is its end.
      expect(before.blocks.slice(-3)).toEqual([32, 40, 43]);
      const deepest = before.hashes.at(-1);
      expect(after.hashes).toContain(deepest);
      expect(after.hashes.indexOf(deepest!) + 1).toBe(before.hashes.length);
      expect(checkpointChars(after, before.hashes.length)).toBe(43 * PREFIX_BLOCK_CHARS);
      expect(checkpointChars(after, 0)).toBe(0);
    });
  });

  it('scopes a session name to its owner', () => {
    expect(sessionHash('key-a', 'default')).not.toBe(sessionHash('key-b', 'default'));
    expect(sessionHash('key-a', 'default')).toBe(sessionHash('key-a', 'default'));
  });
});
