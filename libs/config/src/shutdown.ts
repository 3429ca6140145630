import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';

/**
 * Closes the app (running every shutdown hook: drain, deregister, close Redis) on SIGTERM/SIGINT and
 * exits 0. Nest's own enableShutdownHooks re-raises the signal, so the exit looks like a crash to
 * supervisors. A second signal during shutdown, or a shutdown longer than `graceMs`, exits at once.
 */
export function closeOnSignals(
  app: INestApplicationContext,
  graceMs: number,
  logger = new Logger('Shutdown'),
): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} again: exiting without finishing shutdown`);
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received: shutting down`);
    // A hook stuck on an unreachable Redis must not keep the process alive forever.
    setTimeout(() => {
      logger.error(`shutdown took longer than ${graceMs} ms; exiting`);
      process.exit(1);
    }, graceMs).unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
