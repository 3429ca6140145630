import { calendarPeriod, isoSeconds, usagePeriod } from './usage-period';

describe('usage periods', () => {
  describe(calendarPeriod.name, () => {
    it('puts a time into its UTC day, which resets at the next UTC midnight', () => {
      const sut = calendarPeriod('day', Date.parse('2026-11-27T23:59:59.999Z'));

      expect(sut.bucket).toBe('day:2026-11-27');
      expect(sut.label).toBe('2026-11-27');
      expect(isoSeconds(sut.resetsAt)).toBe('2026-11-28T00:00:00Z');
    });

    it('rolls a month over into the next year in December', () => {
      const sut = calendarPeriod('month', Date.parse('2026-12-15T08:00:00Z'));

      expect(sut.bucket).toBe('month:2026-12');
      expect(isoSeconds(sut.resetsAt)).toBe('2027-01-01T00:00:00Z');
    });

    it('ends the last day of February on March 1st', () => {
      const sut = calendarPeriod('day', Date.parse('2028-02-29T12:00:00Z'));

      expect(sut.bucket).toBe('day:2028-02-29');
      expect(isoSeconds(sut.resetsAt)).toBe('2028-03-01T00:00:00Z');
    });
  });

  describe(usagePeriod.name, () => {
    it('keeps the total in one bucket that never resets or expires', () => {
      expect(usagePeriod('total', Date.now())).toEqual({
        bucket: 'total',
        resetsAt: null,
        retainSeconds: null,
      });
    });
  });
});
