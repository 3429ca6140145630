import { bytes, count, duration, exact, rate, relative, shortId } from './format';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

describe('dashboard format', () => {
  it('writes durations with their unit at a readable precision', () => {
    expect([duration(850), duration(4200), duration(42_000), duration(200_000), duration(7_500_000)]).toEqual(
      ['850 ms', '4.2 s', '42 s', '3 min 20 s', '2 h 5 min'],
    );
    expect(duration(null)).toBe('–');
  });

  it('writes times relative to now, past and future, with the exact time for a title', () => {
    expect(relative(NOW - 3000, NOW)).toBe('3 s ago');
    expect(relative(NOW + 240_000, NOW)).toBe('in 4 min');
    expect(relative(NOW - 200, NOW)).toBe('just now');
    expect(exact(NOW)).toBe('2026-12-02T12:00:00.000Z');
  });

  it('writes bytes, rates and counts with units', () => {
    expect([bytes(512), bytes(1536 * 1024 * 1024), bytes(68_719_476_736)]).toEqual([
      '512 B',
      '1.5 GiB',
      '64 GiB',
    ]);
    expect([rate(12.345, 'tok/s'), rate(250.4, 'req/s'), rate(null, 'tok/s')]).toEqual([
      '12.3 tok/s',
      '250 req/s',
      '–',
    ]);
    expect([count(1, 'token'), count(1200, 'token')]).toEqual(['1 token', '1,200 tokens']);
    expect(shortId('0b7f3c1e-1234')).toBe('0b7f3c1e');
  });
});
