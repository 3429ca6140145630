import { StreamBudget, StreamLimitError } from './stream-budget';

describe(StreamBudget.name, () => {
  describe('charge', () => {
    it('accepts events up to the byte cap and refuses the one that would pass it', () => {
      const sut = new StreamBudget({ maxEvents: 100, maxBytes: 10 });
      sut.charge('12345');
      sut.charge('67890');
      expect(() => sut.charge('x')).toThrow(/STREAM_MAX_BYTES \(10 bytes\)/);
    });

    it('counts bytes, not characters', () => {
      const sut = new StreamBudget({ maxEvents: 100, maxBytes: 4 });
      expect(() => sut.charge('ééé')).toThrow(StreamLimitError);
    });

    it('keeps the last event of STREAM_MAX_EVENTS free for the error line', () => {
      const sut = new StreamBudget({ maxEvents: 3, maxBytes: 1000 });
      sut.charge('a');
      sut.charge('b');
      expect(() => sut.charge('c')).toThrow(/STREAM_MAX_EVENTS \(3 events\)/);
    });

    it('does not count a refused event', () => {
      const sut = new StreamBudget({ maxEvents: 100, maxBytes: 10 });
      sut.charge('123456');
      expect(() => sut.charge('12345')).toThrow(StreamLimitError);
      expect(() => sut.charge('1234')).not.toThrow();
    });
  });
});
