import { RedisUnavailableError, probeRedis } from './redis-probe';
import { ProbeTimeoutError } from './with-timeout';

describe(probeRedis.name, () => {
  it('sends nothing and fails at once while the connection is not ready', async () => {
    const command = jest.fn();
    const sut = probeRedis({ status: 'reconnecting' }, 500, 'redis ping', command);

    await expect(sut).rejects.toEqual(new RedisUnavailableError('redis ping', 'reconnecting'));
    await expect(sut).rejects.toThrow('redis ping: redis connection is reconnecting');
    expect(command).not.toHaveBeenCalled();
  });

  it('waits, within the timeout, for a connection that is being established', async () => {
    const connection = { status: 'connecting', ping: () => Promise.resolve('PONG') };
    await expect(probeRedis(connection, 500, 'redis ping', (c) => c.ping())).resolves.toBe('PONG');
  });

  it('answers with the command’s result on a ready connection', async () => {
    const connection = { status: 'ready', ping: () => Promise.resolve('PONG') };
    await expect(probeRedis(connection, 500, 'redis ping', (c) => c.ping())).resolves.toBe('PONG');
  });

  it('gives up after the timeout when a ready connection does not answer', async () => {
    const hung = probeRedis({ status: 'ready' }, 20, 'redis ping', () => new Promise<never>(() => undefined));
    await expect(hung).rejects.toBeInstanceOf(ProbeTimeoutError);
  });
});
