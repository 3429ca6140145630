import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';

import {
  ConfigValidationError,
  closeOnSignals,
  configWarnings,
  nestLogLevels,
  parseGridConfig,
  workerConfig,
} from '@gridllm/config';

/** Time beyond DRAIN_TIMEOUT for handing back jobs, deregistering and closing Redis. */
const WORKER_SHUTDOWN_MARGIN_MS = 10000;

async function bootstrap(): Promise<void> {
  // Imported here: the config module validates the environment while the module file loads.
  const { WorkerModule } = await import('./worker.module');
  const app = await NestFactory.create(WorkerModule, { logger: nestLogLevels(process.env.LOG_LEVEL) });
  const settings = app.get<ConfigType<typeof workerConfig>>(workerConfig.KEY);
  closeOnSignals(app, settings.drainTimeoutMs + WORKER_SHUTDOWN_MARGIN_MS);
  for (const warning of configWarnings(parseGridConfig(process.env))) new Logger('Config').warn(warning);
  await app.listen(settings.port, settings.host);
  new Logger('Worker').log(`health on http://${settings.host}:${settings.port}/health`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
