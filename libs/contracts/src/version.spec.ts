import { compareVersions } from './version';

describe('compareVersions', () => {
  it('orders by each part as a number, not as text', () => {
    expect(compareVersions('6.0.16', '6.2.0')).toBeLessThan(0);
    expect(compareVersions('7.0.15', '6.2.0')).toBeGreaterThan(0);
    expect(compareVersions('0.10.0', '0.9.1')).toBeGreaterThan(0);
  });

  it('counts a missing or non-numeric part as 0', () => {
    expect(compareVersions('6.2', '6.2.0')).toBe(0);
    expect(compareVersions('0.12.0-rc1', '0.12.0')).toBe(0);
  });
});
