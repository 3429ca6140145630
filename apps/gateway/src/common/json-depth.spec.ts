import { nestsDeeperThan } from './json-depth';

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = level % 2 ? { a: value } : [value];
  return value;
}

describe(nestsDeeperThan.name, () => {
  it('accepts a body exactly as deep as the limit', () => {
    expect(nestsDeeperThan({ options: nested(63) }, 64)).toBe(false);
  });

  it('refuses a body one level deeper than the limit', () => {
    expect(nestsDeeperThan({ options: nested(64) }, 64)).toBe(true);
  });

  it('walks 100,000 levels without running out of stack', () => {
    expect(nestsDeeperThan(nested(100_000), 64)).toBe(true);
  });

  it('counts nothing for scalars', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
  });
});
