import { readSpacingMs } from './token-stream.reader';

describe('readSpacingMs', () => {
  it('reads again at once while few streams are open', () => {
    expect(readSpacingMs(1)).toBe(0);
    expect(readSpacingMs(64)).toBe(0);
  });

  it('spaces reads more as more streams are open, up to 20 ms', () => {
    expect(readSpacingMs(65)).toBe(2);
    expect(readSpacingMs(500)).toBe(10);
    expect(readSpacingMs(1000)).toBe(20);
    expect(readSpacingMs(50_000)).toBe(20);
  });
});
