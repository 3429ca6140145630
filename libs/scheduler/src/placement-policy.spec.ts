import { PLACEMENT_CLASSES, placementClass, shouldDefer } from './placement-policy';

describe('placementClass', () => {
  it('ranks warm, then room to load, then would-evict workers, and by performance tier within each', () => {
    const ranked = [
      { warm: true, tier: 'high' as const },
      { warm: true, tier: 'medium' as const },
      { warm: true, tier: 'low' as const },
      { warm: false, room: true, tier: 'high' as const },
      { warm: false, room: true, tier: 'medium' as const },
      { warm: false, room: true, tier: 'low' as const },
      { warm: false, room: false, tier: 'high' as const },
      { warm: false, room: false, tier: 'medium' as const },
      { warm: false, room: false, tier: 'low' as const },
    ].map(placementClass);
    expect(ranked).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Math.max(...ranked)).toBe(PLACEMENT_CLASSES - 1);
  });

  it('puts a warm low-tier worker before a cold high-tier one', () => {
    expect(placementClass({ warm: true, tier: 'low' })).toBeLessThan(
      placementClass({ warm: false, room: true, tier: 'high' }),
    );
  });
});

describe('shouldDefer', () => {
  it('leaves a fresh job to a better worker that has a free slot', () => {
    expect(shouldDefer(true, 10, 200)).toBe(true);
  });

  it('takes the job once it has waited the affinity delay (work-conserving)', () => {
    expect(shouldDefer(true, 200, 200)).toBe(false);
  });

  it('takes the job at once when no better worker is free', () => {
    expect(shouldDefer(false, 0, 200)).toBe(false);
  });

  it('takes the job when the head job cannot be read', () => {
    expect(shouldDefer(true, null, 200)).toBe(false);
  });
});
