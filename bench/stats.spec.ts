import { abbaOrder, meanAndSpread, percentile, ratePerSecond, summarize } from './stats';

describe('percentile', () => {
  it('interpolates linearly between the closest ranks (type 7)', () => {
    const sorted = [1, 2, 3, 4];
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(4);
    expect(percentile(sorted, 50)).toBe(2.5);
    expect(percentile(sorted, 25)).toBeCloseTo(1.75, 10);
  });

  it('matches numpy for p99 of 1..100', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 99)).toBeCloseTo(99.01, 10);
    expect(percentile(sorted, 50)).toBeCloseTo(50.5, 10);
  });

  it('returns the only sample for any p, and NaN for no samples', () => {
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('rejects p outside 0..100', () => {
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports count, min, mean, percentiles and max', () => {
    const samples = [5, 1, 4, 2, 3];
    const summary = summarize(samples);
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(summary).toEqual({ count: 5, min: 1, mean: 3, p50: 3, p90: 4.6, p99: expect.any(Number), max: 5 });
    expect(summary.p99).toBeCloseTo(4.96, 10);
  });

  it('is sensitive to the tail only at p99', () => {
    const samples = [...Array.from({ length: 99 }, () => 1), 100];
    const summary = summarize(samples);
    expect(summary.p50).toBe(1);
    expect(summary.p90).toBe(1);
    expect(summary.p99).toBeCloseTo(1.99, 10);
    expect(summary.max).toBe(100);
  });

  it('gives NaN statistics for no samples', () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    expect(summary.mean).toBeNaN();
    expect(summary.p50).toBeNaN();
    expect(summary.min).toBeNaN();
    expect(summary.max).toBeNaN();
  });
});

describe('ratePerSecond', () => {
  it('converts a count over milliseconds to a rate per second', () => {
    expect(ratePerSecond(500, 250)).toBe(2000);
    expect(ratePerSecond(0, 1000)).toBe(0);
    expect(ratePerSecond(10, 0)).toBe(0);
  });
});

describe('abbaOrder', () => {
  it('alternates which side goes first', () => {
    expect(abbaOrder(0, 'a', 'b')).toEqual(['a', 'b']);
    expect(abbaOrder(1, 'a', 'b')).toEqual(['b', 'a']);
    expect(abbaOrder(2, 'a', 'b')).toEqual(['a', 'b']);
  });
});

describe('meanAndSpread', () => {
  it('gives the mean with half the range of the passes', () => {
    expect(meanAndSpread([1.4, 1.6], 2)).toBe('1.50 ±0.10');
    expect(meanAndSpread([928, 984, 956], 0)).toBe('956 ±28');
  });

  it('gives a single measurement alone, and a dash for none', () => {
    expect(meanAndSpread([0.98], 2)).toBe('0.98');
    expect(meanAndSpread([], 2)).toBe('—');
  });
});
