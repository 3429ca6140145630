import { OneTimeAbort, abortWhenAny } from './abort-link';

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

describe(OneTimeAbort.name, () => {
  it('calls the listeners present when it aborts, once, and reports aborted from then on', () => {
    const sut = new OneTimeAbort();
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    sut.addEventListener('abort', () => heard.push('first'));
    sut.addEventListener('abort', removed);
    sut.addEventListener('abort', () => heard.push('second'));
    sut.removeEventListener('abort', removed);
    expect(sut.aborted).toBe(false);

    sut.abort();
    sut.abort();
    sut.addEventListener('abort', () => heard.push('late'));

    expect(sut.aborted).toBe(true);
    expect(heard).toEqual(['first', 'second']);
  });

  it('serves abortWhenAny as an AbortSignal does', () => {
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
