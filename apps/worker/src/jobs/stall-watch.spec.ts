import { StallWatch } from './stall-watch';

describe(StallWatch.name, () => {
  let stalls: string[];
  let watch: StallWatch;

  beforeEach(() => {
    jest.useFakeTimers();
    stalls = [];
    watch = new StallWatch(1_000, 300, (detail) => stalls.push(detail));
  });

  afterEach(() => {
    watch.dispose();
    jest.useRealTimers();
  });

  it('fires once when the first token does not come in time', () => {
    watch.started();
    jest.advanceTimersByTime(999);
    expect(stalls).toEqual([]);
    expect(watch.overdue).toBe(false);
    jest.advanceTimersByTime(1);
    expect(stalls).toEqual(['no token within FIRST_TOKEN_TIMEOUT (1000 ms)']);
    expect(watch.overdue).toBe(true);
    jest.advanceTimersByTime(5_000);
    expect(stalls).toHaveLength(1);
  });

  it('counts the stall limit from the last token, however many came before', () => {
    watch.started();
    jest.advanceTimersByTime(900);
    for (let token = 0; token < 20; token++) {
      watch.progressed();
      jest.advanceTimersByTime(100);
    }
    expect(stalls).toEqual([]);
    // The last token came 100 ms ago: the stall is due 300 ms after it, not after the phase began.
    jest.advanceTimersByTime(199);
    expect(stalls).toEqual([]);
    expect(watch.overdue).toBe(false);
    jest.advanceTimersByTime(1);
    expect(stalls).toEqual(['no token within STALL_TIMEOUT (300 ms)']);
    expect(watch.overdue).toBe(true);
  });

  it('sets no timer per token', () => {
    watch.started();
    watch.progressed();
    const setTimer = jest.spyOn(global, 'setTimeout');
    for (let token = 0; token < 1_000; token++) watch.progressed();
    expect(setTimer).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(1);
  });

  it('fires nothing once disposed', () => {
    watch.started();
    watch.progressed();
    watch.dispose();
    jest.advanceTimersByTime(10_000);
    expect(stalls).toEqual([]);
  });
});
