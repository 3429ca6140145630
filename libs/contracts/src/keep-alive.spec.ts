import { parseKeepAlive } from './keep-alive';

describe('parseKeepAlive', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['300ms', 300],
    ['10s', 10_000],
    [3600, 3_600_000],
    ['3600', 3_600_000],
    [0, 0],
    ['0', 0],
  ])('reads %p as %p ms', (input, expected) => {
    expect(parseKeepAlive(input)).toBe(expected);
  });

  it.each([-1, '-1', '-1m'])('reads the negative %p as forever', (input) => {
    expect(parseKeepAlive(input)).toBe(Infinity);
  });

  it.each(['soon', '5 minutes', {}, null, '5mm'])('rejects %p', (input) => {
    expect(parseKeepAlive(input)).toBeNull();
  });
});
