import { agedPriority } from './priority-aging';

describe('agedPriority', () => {
  it('keeps a fresh job where it is', () => {
    expect(agedPriority(3, 999, 1000)).toBe(3);
    expect(agedPriority(2, 1500, 1000)).toBe(2);
  });

  it('treats a job that waited the aging time as medium, and twice that as high', () => {
    expect(agedPriority(3, 1000, 1000)).toBe(2);
    expect(agedPriority(3, 2000, 1000)).toBe(1);
    expect(agedPriority(2, 2000, 1000)).toBe(1);
  });

  it('never lowers a priority', () => {
    expect(agedPriority(1, 0, 1000)).toBe(1);
  });
});
