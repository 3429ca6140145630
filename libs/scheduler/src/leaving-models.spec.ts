import { LeavingModels } from './leaving-models';

describe(LeavingModels.name, () => {
  const LIFETIME = 3000;
  let sut: LeavingModels;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    sut = new LeavingModels(LIFETIME);
  });

  afterEach(() => jest.useRealTimers());

  it('keeps a model that left the engine until a claim lifetime after its last claim can have lapsed', () => {
    sut.update(['a'], ['b'], true);
    expect(sut.models).toEqual(['b']);
    jest.advanceTimersByTime(2 * LIFETIME - 1);
    sut.endIfDue('b');
    expect(sut.has('b')).toBe(true);
    jest.advanceTimersByTime(1);
    sut.endIfDue('b');
    expect(sut.models).toEqual([]);
  });

  it('ends a claim lifetime after the heartbeat withdrew the claim', () => {
    sut.update([], ['b'], true);
    jest.advanceTimersByTime(100);
    sut.claimsWithdrawn(['b', 'never-leaving']);
    jest.advanceTimersByTime(LIFETIME - 1);
    sut.endIfDue('b');
    expect(sut.has('b')).toBe(true);
    jest.advanceTimersByTime(1);
    sut.endIfDue('b');
    expect(sut.has('b')).toBe(false);
    expect(sut.has('never-leaving')).toBe(false);
  });

  it('holds leaving models while the engine is unreachable, and takes them up again when it answers', () => {
    sut.update([], ['b'], true);
    sut.update([], ['c'], false);
    expect(sut.models).toEqual([]);
    expect(sut.has('c')).toBe(false);
    sut.update(['a'], [], true);
    expect(sut.models).toEqual(['b']);
  });

  it('forgets a model that is served again', () => {
    sut.update([], ['b'], true);
    sut.update(['b'], [], true);
    expect(sut.models).toEqual([]);
  });
});
