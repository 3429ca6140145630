import { OneTimeAbort } from './one-time-abort';

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
});
