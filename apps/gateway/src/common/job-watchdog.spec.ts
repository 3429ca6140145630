import { JobWatchdog } from './job-watchdog';

describe(JobWatchdog.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('expires the whole job at its deadline', () => {
    const sut = new JobWatchdog(Date.now() + 1000, 1000, 500, 100);
    jest.advanceTimersByTime(999);
    expect(sut.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(sut.expired?.message).toBe('job timed out after 1000 ms (total)');
    sut.dispose();
  });

  it('names the first-token phase when a started job sends nothing', () => {
    const sut = new JobWatchdog(Date.now() + 60_000, 60_000, 500, 100);
    sut.started();
    jest.advanceTimersByTime(500);
    expect(sut.expired?.phase).toBe('first-token');
    sut.dispose();
  });

  it('names the stall phase when tokens stop coming, and re-arms on every chunk', () => {
    const sut = new JobWatchdog(Date.now() + 60_000, 60_000, 500, 100);
    sut.started();
    for (let n = 0; n < 10; n++) {
      jest.advanceTimersByTime(90);
      sut.progressed();
    }
    expect(sut.signal.aborted).toBe(false);
    jest.advanceTimersByTime(100);
    expect(sut.expired?.phase).toBe('stall');
    sut.dispose();
  });
});
