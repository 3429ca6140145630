import { MAX_QUOTED_CHARS, quote } from './quote';

describe(quote.name, () => {
  it('keeps a short value as it is', () => {
    expect(quote('llama3.2')).toBe('llama3.2');
  });

  it('cuts a long value and says how long it was', () => {
    const sut = quote('x'.repeat(1_000_000));

    expect(sut).toBe(`${'x'.repeat(MAX_QUOTED_CHARS)}… (1000000 characters)`);
  });
});
