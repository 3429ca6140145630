import { ProbeTimeoutError, withTimeout } from './with-timeout';

describe(withTimeout.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves with the work when it answers in time', async () => {
    await expect(withTimeout(Promise.resolve('PONG'), 500, 'redis ping')).resolves.toBe('PONG');
  });

  it('rejects with the work’s own error when it fails in time', async () => {
    const failing = Promise.reject(new Error('connection refused'));
    await expect(withTimeout(failing, 500, 'redis ping')).rejects.toThrow('connection refused');
  });

  it('rejects with a timeout naming the probe when the work hangs', async () => {
    const sut = withTimeout(new Promise<never>(() => undefined), 500, 'redis ping');
    jest.advanceTimersByTime(500);
    await expect(sut).rejects.toEqual(new ProbeTimeoutError('redis ping', 500));
    await expect(sut).rejects.toThrow('redis ping: no answer in 500 ms');
  });

  it('swallows a rejection that arrives after the timeout', async () => {
    let reject: (error: Error) => void = () => undefined;
    const late = new Promise<never>((_, fail) => (reject = fail));
    const sut = withTimeout(late, 100, 'engine');
    jest.advanceTimersByTime(100);
    await expect(sut).rejects.toBeInstanceOf(ProbeTimeoutError);
    reject(new Error('too late'));
    await Promise.resolve();
  });
});
