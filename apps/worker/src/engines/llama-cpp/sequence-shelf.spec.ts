import type { LlamaContextSequence } from 'node-llama-cpp';

import { SequenceShelf, commonPrefixLength, promptKey } from './sequence-shelf';

const sequence = (name: string) => ({ name, disposed: false }) as unknown as LlamaContextSequence;

describe(SequenceShelf.name, () => {
  const system = { role: 'system', text: 'You are helpful.' };

  describe('take', () => {
    it('hands out the idle sequence whose cached prompt shares the longest prefix', () => {
      const sut = new SequenceShelf();
      const [a, b] = [sequence('a'), sequence('b')];
      sut.put(a, promptKey([system, { role: 'user', text: 'hello' }]));
      sut.put(
        b,
        promptKey([system, { role: 'user', text: 'tell me a story' }, { role: 'assistant', text: 'Once' }]),
      );

      const next = promptKey([
        system,
        { role: 'user', text: 'tell me a story' },
        { role: 'assistant', text: 'Once' },
        { role: 'user', text: 'go on' },
      ]);

      expect(sut.take(next, true)).toBe(b);
      expect(sut.size).toBe(1);
    });

    it('prefers a fresh sequence over an idle one that shares nothing, and reuses one when none is fresh', () => {
      const sut = new SequenceShelf();
      const a = sequence('a');
      sut.put(a, promptKey([{ role: 'user', text: 'abc' }]));

      expect(sut.take(promptKey([system]), true)).toBeNull();
      expect(sut.take(promptKey([system]), false)).toBe(a);
      expect(sut.take(promptKey([system]), false)).toBeNull();
    });

    it('among near-equal prefixes takes the least recently used sequence (as Ollama takes its oldest slot)', () => {
      const sut = new SequenceShelf();
      const long = { role: 'system', text: 'archive '.repeat(200) };
      const [warmUp, older, newer] = [sequence('warm-up'), sequence('older chat'), sequence('newer chat')];
      sut.put(warmUp, promptKey([long, { role: 'user', text: 'warm up' }]));
      sut.put(older, promptKey([long, { role: 'user', text: `User 3 ${'history '.repeat(500)}` }]));
      sut.put(newer, promptKey([long, { role: 'user', text: `User 4 ${'history '.repeat(5)}` }]));

      // New chats share the system prompt with all three (and a few characters, "User ", with two).
      expect(sut.take(promptKey([long, { role: 'user', text: 'User 6 hello' }]), true)).toBe(warmUp);
      expect(sut.take(promptKey([long, { role: 'user', text: 'User 7 hello' }]), true)).toBe(older);
      expect(sut.size).toBe(1);
    });

    it('a continuation takes its own sequence however recently it was used', () => {
      const sut = new SequenceShelf();
      const long = { role: 'system', text: 'archive '.repeat(200) };
      const history = [long, { role: 'user', text: `User 3 ${'history '.repeat(500)}` }];
      const [other, own] = [sequence('other'), sequence('own')];
      sut.put(other, promptKey([long, { role: 'user', text: 'User 5 hi' }]));
      sut.put(own, promptKey(history));

      const next = promptKey([...history, { role: 'assistant', text: 'ok' }, { role: 'user', text: 'more' }]);
      expect(sut.take(next, true)).toBe(own);
    });

    it('never shelves a disposed sequence', () => {
      const sut = new SequenceShelf();
      sut.put({ disposed: true } as unknown as LlamaContextSequence, 'x');
      expect(sut.size).toBe(0);
    });
  });

  it('commonPrefixLength counts the shared leading characters', () => {
    expect(commonPrefixLength('abcd', 'abxy')).toBe(2);
    expect(commonPrefixLength('', 'abc')).toBe(0);
    expect(commonPrefixLength('abc', 'abc')).toBe(3);
  });
});
