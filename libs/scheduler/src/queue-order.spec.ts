import { queueOrder } from './queue-order';

describe('queueOrder', () => {
  it('tries the queue whose marker woke the slot first', () => {
    expect(queueOrder(['a', 'b', 'c'], 'c', 0)).toEqual(['c', 'a', 'b']);
  });

  it('rotates the starting queue so every model gets its turn', () => {
    expect(queueOrder(['a', 'b', 'c'], null, 1)).toEqual(['b', 'c', 'a']);
    expect(queueOrder(['a', 'b', 'c'], null, 5)).toEqual(['c', 'a', 'b']);
  });

  it('ignores a preferred queue the worker does not serve', () => {
    expect(queueOrder(['a', 'b'], 'z', 0)).toEqual(['a', 'b']);
  });

  it('returns nothing when the worker serves no model', () => {
    expect(queueOrder([], 'a', 3)).toEqual([]);
  });
});
