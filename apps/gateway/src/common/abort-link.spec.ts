import { OneTimeAbort } from '@gridllm/streaming';

import { abortWhenAny } from './abort-link';

describe('abortWhenAny', () => {
  it('aborts the target when one of the sources aborts', () => {
    const sources = [new AbortController(), new AbortController()];
    const target = new AbortController();
    abortWhenAny(
      target,
      sources.map((source) => source.signal),
    );
    sources[1].abort();
    expect(target.signal.aborted).toBe(true);
  });

  it('aborts at once when a source has already aborted', () => {
    const target = new AbortController();
    abortWhenAny(target, [AbortSignal.abort()]);
    expect(target.signal.aborted).toBe(true);
  });

  it('leaves the target alone once unhooked', () => {
    const source = new AbortController();
    const target = new AbortController();
    abortWhenAny(target, [source.signal])();
    source.abort();
    expect(target.signal.aborted).toBe(false);
  });
});

describe('abortWhenAny with a OneTimeAbort', () => {
  it('aborts the target, and leaves it alone once unhooked, as with an AbortSignal', () => {
    const departure = new OneTimeAbort();
    const target = new AbortController();
    abortWhenAny(target, [departure, new AbortController().signal]);
    departure.abort();
    expect(target.signal.aborted).toBe(true);

    const unhooked = new OneTimeAbort();
    const untouched = new AbortController();
    abortWhenAny(untouched, [unhooked])();
    unhooked.abort();
    expect(untouched.signal.aborted).toBe(false);
  });
});
