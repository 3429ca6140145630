import { specRedis } from '../../../test/support/spec-redis';
import { MarkerWait } from './marker-wait';

describe(MarkerWait.name, () => {
  const redis = specRedis('mw');
  let sut: MarkerWait;

  beforeEach(() => {
    sut = new MarkerWait(redis.factory, redis.newClient(), 'worker-1');
  });

  afterEach(() => sut.close());

  describe('waitThen', () => {
    it('runs the command sent behind the sleep once a marker ends it, on the same connection', async () => {
      // Runs after the BZPOPMIN returns: it sees what was written together with the marker.
      const woken = sut.waitThen('mw:q:marker', 5000, (connection) => connection.get('mw:job'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await redis.admin.multi().set('mw:job', 'queued').zadd('mw:q:marker', 0, '0').exec();

      expect(await woken).toEqual({ popped: 'mw:q:marker', next: 'queued' });
      // The sleeping connection ran it: its last command is the GET.
      const clients = String(await redis.admin.client('LIST')).split('\n');
      expect(clients.find((line) => line.includes('name=gridllm-marker-wait'))).toContain('cmd=get');
    });

    it('runs it after the timeout too, and after a wake-up, with nothing popped', async () => {
      expect(await sut.waitThen('mw:q:marker', 50, (connection) => connection.ping())).toEqual({
        popped: null,
        next: 'PONG',
      });
      const woken = sut.waitThen('mw:q:marker', 5000, (connection) => connection.ping());
      await new Promise((resolve) => setTimeout(resolve, 50));
      sut.wake();
      expect(await woken).toEqual({ popped: null, next: 'PONG' });
      expect(await redis.admin.zcard('mw:q:marker')).toBe(0);
    });
  });
});
