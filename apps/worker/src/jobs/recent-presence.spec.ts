import { RecentPresence } from './recent-presence';

describe(RecentPresence.name, () => {
  const sut = () => new RecentPresence(1000);

  describe('alive', () => {
    it('is false for a gateway never seen', () => {
      expect(sut().alive('g1', 0)).toBe(false);
    });

    it('trusts a sighting for the window, not after', () => {
      const presence = sut();
      presence.seen('g1', 10_000);
      expect(presence.alive('g1', 10_999)).toBe(true);
      expect(presence.alive('g1', 11_000)).toBe(false);
    });

    it('keeps each gateway apart', () => {
      const presence = sut();
      presence.seen('g1', 0);
      expect(presence.alive('g2', 1)).toBe(false);
    });

    it('forgets the oldest sighting once it remembers too many gateways', () => {
      const presence = sut();
      for (let i = 0; i <= 256; i++) presence.seen(`g${i}`, 5);
      expect(presence.alive('g0', 6)).toBe(false);
      expect(presence.alive('g256', 6)).toBe(true);
    });
  });
});
