import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { WINSTON_MODULE_NEST_PROVIDER } from 'nest-winston';

import {
  ConfigValidationError,
  closeOnSignals,
  configWarnings,
  parseGridConfig,
  workerConfig,
} from '@gridllm/config';
import { GridAccessError, checkRedisAccess } from '@gridllm/redis';

import { WorkerAdmission } from './registration/worker-admission.service';

/** Time beyond DRAIN_TIMEOUT for handing back jobs, deregistering and closing Redis. */
const WORKER_SHUTDOWN_MARGIN_MS = 10000;

async function bootstrap(): Promise<void> {
  // Imported here: the config module validates the environment while the module file loads.
  const { WorkerModule } = await import('./worker.module');
  const config = parseGridConfig(process.env);
  // Wrong Redis credentials or TLS never heal: refuse now rather than retry forever.
  const redis = await checkRedisAccess(config.redis);
  const app = await NestFactory.create(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(WINSTON_MODULE_NEST_PROVIDER));
  const settings = app.get<ConfigType<typeof workerConfig>>(workerConfig.KEY);
  closeOnSignals(app, settings.drainTimeoutMs + WORKER_SHUTDOWN_MARGIN_MS);
  for (const warning of configWarnings(config)) new Logger('Config').warn(warning);
  if (!redis.reachable) new Logger('Redis').warn(`Redis unreachable at boot (${redis.reason}); retrying`);
  // Before init: nothing registers, listens or takes a job until the grid's WORKER_TOKEN admits us.
  app.flushLogs(); // so that a waiting worker says why
  await app.get(WorkerAdmission).admit();
  // WORKER_PORT=0 turns HTTP off: the worker needs no inbound port (no probes, no /metrics then).
  if (settings.port === 0) {
    await app.init();
    new Logger('Worker').log('HTTP port off (WORKER_PORT=0): no /health or /metrics');
    return;
  }
  await app.listen(settings.port, settings.host);
  new Logger('Worker').log(`health on http://${settings.host}:${settings.port}/health, metrics on /metrics`);
}

bootstrap().catch((error: unknown) => {
  const refusal = error instanceof ConfigValidationError || error instanceof GridAccessError;
  console.error(refusal ? error.message : error);
  process.exit(1);
});
