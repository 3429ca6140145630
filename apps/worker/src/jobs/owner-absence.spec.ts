import { OwnerAbsence } from './owner-absence';

describe(OwnerAbsence.name, () => {
  const sut = () => new OwnerAbsence(5000);

  it('does not call a gateway gone on the first check that misses its key (a failover may have lost it)', () => {
    expect(sut().gone('g1', false, 1000)).toBe(false);
  });

  it('calls it gone once the key has been missing for longer than the grace', () => {
    const absence = sut();
    absence.gone('g1', false, 1000);
    expect(absence.gone('g1', false, 6000)).toBe(false);
    expect(absence.gone('g1', false, 6001)).toBe(true);
  });

  it('starts over when the key comes back', () => {
    const absence = sut();
    absence.gone('g1', false, 1000);
    absence.gone('g1', true, 4000);
    expect(absence.gone('g1', false, 7000)).toBe(false);
  });

  it('forgets owners that no running job belongs to', () => {
    const absence = sut();
    absence.gone('g1', false, 1000);
    absence.retain(new Set());
    expect(absence.gone('g1', false, 9000)).toBe(false);
  });
});
