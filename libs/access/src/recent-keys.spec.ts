import { KEY_CACHE_MS, RecentKeys } from './recent-keys';

describe(RecentKeys.name, () => {
  let now = 0;
  const sut = () => new RecentKeys<string>(() => now);

  beforeEach(() => (now = 1_000_000));

  describe('get', () => {
    it('returns a record for KEY_CACHE_MS after it was stored', () => {
      const cache = sut();
      cache.set('h', 'record');
      now += KEY_CACHE_MS - 1;
      expect(cache.get('h')).toBe('record');
    });

    it('forgets a record once KEY_CACHE_MS has passed, so a revocation elsewhere is seen', () => {
      const cache = sut();
      cache.set('h', 'record');
      now += KEY_CACHE_MS;
      expect(cache.get('h')).toBeUndefined();
    });
  });

  describe('set', () => {
    it('counts KEY_CACHE_MS from when the record was read, not from when it arrived', () => {
      const cache = sut();
      const readAt = now;
      now += 30;
      cache.set('h', 'record', readAt);
      now = readAt + KEY_CACHE_MS;
      expect(cache.get('h')).toBeUndefined();
    });
  });

  describe('clear', () => {
    it('drops every record at once', () => {
      const cache = sut();
      cache.set('a', 'one');
      cache.set('b', 'two');
      cache.clear();
      expect([cache.get('a'), cache.get('b')]).toEqual([undefined, undefined]);
    });
  });
});
