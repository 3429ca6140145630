import { LogContext } from './log-context';

describe('LogContext', () => {
  describe('ids', () => {
    it('carries the scope across awaits and timers started inside it', async () => {
      const seen = await LogContext.run({ requestId: 'r-1' }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return new Promise((resolve) => setImmediate(() => resolve(LogContext.ids())));
      });
      expect(seen).toEqual({ requestId: 'r-1' });
    });

    it('keeps concurrent scopes apart', async () => {
      const idsAfter = (requestId: string, ms: number) =>
        LogContext.run({ requestId }, async () => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return LogContext.ids().requestId;
        });
      await expect(Promise.all([idsAfter('a', 5), idsAfter('b', 1)])).resolves.toEqual(['a', 'b']);
    });

    it('returns only correlation ids, not the access-log figures', () => {
      const ids = LogContext.run({ requestId: 'r', jobId: 'j', queueMs: 5, tokens: 9 }, () =>
        LogContext.ids(),
      );
      expect(ids).toEqual({ requestId: 'r', jobId: 'j' });
    });
  });

  describe('assign', () => {
    it('adds fields to the shared scope object, visible to whoever holds it', async () => {
      const scope = { requestId: 'r' };
      await LogContext.run(scope, async () => {
        await Promise.resolve();
        LogContext.assign({ jobId: 'j', tokens: 3 });
      });
      expect(scope).toEqual({ requestId: 'r', jobId: 'j', tokens: 3 });
    });

    it('does nothing outside a scope', () => {
      LogContext.assign({ jobId: 'j' });
      expect(LogContext.current()).toBeUndefined();
    });
  });
});
