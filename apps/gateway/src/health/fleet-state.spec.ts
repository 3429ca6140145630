import { summarizeFleet, workerState } from './fleet-state';

const worker = (status: 'ready' | 'not-ready' | 'draining', slots: number, runningJobs: number) => ({
  status,
  slots,
  runningJobs,
});

describe(workerState.name, () => {
  it('calls a ready worker with a free slot available', () => {
    expect(workerState(worker('ready', 2, 1))).toBe('available');
  });

  it('calls a ready worker with every slot taken busy', () => {
    expect(workerState(worker('ready', 2, 2))).toBe('busy');
  });

  it('keeps not-ready and draining workers apart from busy ones, however loaded', () => {
    expect(workerState(worker('not-ready', 1, 0))).toBe('not_ready');
    expect(workerState(worker('draining', 1, 1))).toBe('draining');
  });
});

describe(summarizeFleet.name, () => {
  it('counts every live worker in exactly one state', () => {
    const sut = summarizeFleet([
      worker('ready', 2, 0),
      worker('ready', 1, 1),
      worker('not-ready', 4, 0),
      worker('draining', 1, 1),
    ]);

    expect(sut).toEqual({
      online: 4,
      ready: 2,
      busy: 1,
      notReady: 1,
      draining: 1,
      cordoned: 0,
      circuitOpen: 0,
      states: { available: 1, busy: 1, not_ready: 1, draining: 1, cordoned: 0 },
      slots: 8,
      runningJobs: 2,
      freeSlots: 2,
    });
  });

  it('counts the workers deep health keeps out of placement', () => {
    const open = { ...worker('not-ready', 1, 0), circuit: 'open' as const };
    const probing = { ...worker('not-ready', 1, 0), circuit: 'half-open' as const };
    const closed = { ...worker('ready', 1, 0), circuit: 'closed' as const };
    expect(summarizeFleet([open, probing, closed])).toMatchObject({ circuitOpen: 2, notReady: 2 });
  });

  it('reports an empty fleet as zeros', () => {
    expect(summarizeFleet([])).toMatchObject({ online: 0, ready: 0, freeSlots: 0 });
  });
});
