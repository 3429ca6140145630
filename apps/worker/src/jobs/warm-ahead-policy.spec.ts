import { shouldWarmAhead } from './warm-ahead-policy';

describe(shouldWarmAhead.name, () => {
  it('warms up when more jobs wait than the warm slots take in a round', () => {
    expect(shouldWarmAhead({ waiting: 30, warmSlots: 2, queuePerSlot: 1 })).toBe(true);
  });

  it('leaves a short queue to the warm workers', () => {
    expect(shouldWarmAhead({ waiting: 2, warmSlots: 2, queuePerSlot: 1 })).toBe(false);
  });

  it('scales the threshold with WARM_AHEAD_QUEUE_PER_SLOT', () => {
    expect(shouldWarmAhead({ waiting: 7, warmSlots: 2, queuePerSlot: 4 })).toBe(false);
    expect(shouldWarmAhead({ waiting: 9, warmSlots: 2, queuePerSlot: 4 })).toBe(true);
  });

  it('takes the job when no worker has the model loaded (every job pays a load then)', () => {
    expect(shouldWarmAhead({ waiting: 100, warmSlots: 0, queuePerSlot: 1 })).toBe(false);
  });
});
