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

async function bootstrap(): Promise<void> {
  // Imported here: the config module validates the environment while the module file loads.
  const { WorkerModule } = await import('./worker.module');
  const app = await NestFactory.create(WorkerModule, { logger: nestLogLevels(process.env.LOG_LEVEL) });
  closeOnSignals(app);
  const settings = app.get<ConfigType<typeof workerConfig>>(workerConfig.KEY);
  for (const warning of configWarnings(parseGridConfig(process.env))) new Logger('Config').warn(warning);
  await app.listen(settings.port, settings.host);
  new Logger('Worker').log(`health on http://${settings.host}:${settings.port}/health`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
