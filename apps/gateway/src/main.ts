import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import { WINSTON_MODULE_NEST_PROVIDER } from 'nest-winston';

import {
  ConfigValidationError,
  closeOnSignals,
  configWarnings,
  gatewayConfig,
  gatewayConfigWarnings,
  parseGridConfig,
  unsafeBinding,
} from '@gridllm/config';
import { GridAccessError, checkRedisAccess } from '@gridllm/redis';
import { WorkerTokenCheck } from '@gridllm/registry';

import { refuseAnonymous } from './auth/refuse-anonymous.middleware';
import { exceptBlobUploads } from './blobs/blob-routes';
import { markMissingBody, refuseBadBodies } from './common/body-parser-errors.middleware';
import { limitJsonDepth } from './common/json-depth';
import { HeapRelease } from './memory/heap-release';
import { PrototypedExpressAdapter } from './prototyped-express-adapter';
import { RequestLogging } from './logging/request-logging';
import { serveDashboard } from './dashboard/dashboard-assets';
import { securityHeaders } from './security-headers';
import { InFlightRequests } from './shutdown/in-flight-requests';
import { setupSwagger } from './swagger';

const EXPOSED_HEADERS = [
  'x-request-id',
  'x-gridllm-job-id',
  'x-gridllm-worker',
  'x-gridllm-queue-ms',
  'x-gridllm-placement',
  'x-gridllm-priority-capped',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
];

/** Beyond the drain delay and grace period: ending stragglers, closing Redis (GatewayDrain, Nest hooks). */
const SHUTDOWN_MARGIN_MS = 5000;

async function bootstrap(): Promise<void> {
  // Imported here: the config module validates the environment while the module file loads.
  const { GatewayModule } = await import('./gateway.module');
  const config = parseGridConfig(process.env);
  const refusal = unsafeBinding(config);
  if (refusal) throw new ConfigValidationError([refusal]);
  // Wrong Redis credentials or TLS never heal: refuse now rather than retry forever.
  const redis = await checkRedisAccess(config.redis);
  const app = await NestFactory.create<NestExpressApplication>(
    GatewayModule,
    new PrototypedExpressAdapter(),
    {
      bodyParser: false,
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(WINSTON_MODULE_NEST_PROVIDER));
  if (!redis.reachable) new Logger('Redis').warn(`Redis unreachable at boot (${redis.reason}); retrying`);
  await app.get(WorkerTokenCheck).establish((late) => exitRefused(late));
  const settings = app.get<ConfigType<typeof gatewayConfig>>(gatewayConfig.KEY);
  const requests = app.get(RequestLogging);
  if (settings.trustProxy !== undefined) app.set('trust proxy', settings.trustProxy);
  app.disable('x-powered-by');
  // No ETag: hashing every JSON answer costs per request, and no client revalidates API answers (Ollama
  // sends none either). Static files (dashboard, Swagger UI) keep theirs: serve-static makes its own.
  app.set('etag', false);
  // Counted from the first byte, so that SIGTERM waits for every request and can mark it Connection: close.
  app.use(app.get(InFlightRequests).track);
  // CORS and security headers first, so that every answer carries them, refusals and parse errors too.
  app.use(requests.begin);
  // After a burst of multi-MB bodies, a full collection gives their memory back (docs/security.md).
  app.use(new HeapRelease().track);
  app.enableCors({
    origin: settings.corsOrigin === '*' ? true : settings.corsOrigin.split(',').map((o) => o.trim()),
    // Browsers hide response headers from scripts unless listed: correlation, placement and limits.
    exposedHeaders: EXPOSED_HEADERS,
  });
  app.use(securityHeaders());
  serveDashboard(app);
  app.use(
    refuseAnonymous(config.security.authEnabled),
    // Ollama reads the body as JSON whatever the Content-Type (curl -d sends form encoding).
    // Blob uploads skip it: their route streams up to BLOB_MAX_BYTES to the blob store.
    exceptBlobUploads(json({ limit: settings.bodyLimit, type: () => true })),
    limitJsonDepth,
    // With auth on, a body refused here waits for the credential check (see refuseBadBodies).
    refuseBadBodies(config.security.authEnabled),
    markMissingBody,
  );
  // GatewayDrain (a shutdown hook) bounds the drain itself; this only stops a shutdown that hangs.
  const { drainDelayMs, gracePeriodMs } = settings.shutdown;
  closeOnSignals(app, drainDelayMs + gracePeriodMs + SHUTDOWN_MARGIN_MS);
  setupSwagger(app, config.security.authEnabled);
  await app.init();
  for (const warning of [...configWarnings(config), ...gatewayConfigWarnings(config)]) {
    new Logger('Config').warn(warning);
  }
  await app.listen(settings.port, settings.host);
  new Logger('Gateway').log(
    `listening on http://${settings.host}:${settings.port} (Ollama API at / and /ollama, docs at /docs)`,
  );
}

function exitRefused(error: unknown): never {
  const refusal = error instanceof ConfigValidationError || error instanceof GridAccessError;
  console.error(refusal ? error.message : error);
  process.exit(1);
}

bootstrap().catch(exitRefused);
