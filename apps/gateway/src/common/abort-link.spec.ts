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
