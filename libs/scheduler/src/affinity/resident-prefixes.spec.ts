import { ResidentPrefixes } from './resident-prefixes';

/** A prompt's checkpoints: the shared system part `s1 s2`, then a conversation's own ones. */
const prompt = (...own: string[]) => ['s1', 's2', ...own];

describe(ResidentPrefixes.name, () => {
  it('with one slot, a new conversation evicts the held one: its own checkpoints are returned, not the shared ones', () => {
    const sut = new ResidentPrefixes(1);
    expect(sut.admit('m', prompt('a1', 'a2'))).toEqual([]);

    expect(sut.admit('m', prompt('b1'))).toEqual(['a1', 'a2']);
  });

  it('a follow-up turn runs on its own slot and evicts nothing', () => {
    const sut = new ResidentPrefixes(1);
    sut.admit('m', prompt('a1'));

    expect(sut.admit('m', prompt('a1', 'a2', 'a3'))).toEqual([]);
    // What it holds now is the longer prompt: a new chat evicts all of it.
    expect(sut.admit('m', prompt('b1'))).toEqual(['a1', 'a2', 'a3']);
  });

  it('with two slots, evicts the least recently given conversation once both are held', () => {
    const sut = new ResidentPrefixes(2);
    sut.admit('m', prompt('a1'));
    sut.admit('m', prompt('b1'));
    sut.admit('m', prompt('a1', 'a2')); // a is used again: b is now the oldest

    expect(sut.admit('m', prompt('c1'))).toEqual(['b1']);
    expect(sut.admit('m', prompt('d1'))).toEqual(['a1', 'a2']);
  });

  it('keeps models apart, and ignores prompts without a checkpoint', () => {
    const sut = new ResidentPrefixes(1);
    sut.admit('m', prompt('a1'));

    expect(sut.admit('other', prompt('b1'))).toEqual([]);
    expect(sut.admit('m', [])).toEqual([]);
    expect(sut.admit('m', prompt('a1', 'a2'))).toEqual([]);
  });
});
