import { registerAs } from '@nestjs/config';

import { parseGridConfig } from './grid-config';

// Only this lib reads process.env. ConfigModule has already merged the env files into it.
const load = () => parseGridConfig(process.env);

/** Redis connection and key prefix, shared by both apps. */
export const redisConfig = registerAs('redis', () => load().redis);
/** Queue timing and limits, shared by both apps. */
export const queueConfig = registerAs('queue', () => load().queue);
/** Gateway HTTP settings. */
export const gatewayConfig = registerAs('gateway', () => load().gateway);
/** Worker identity, engine address and slots. */
export const workerConfig = registerAs('worker', () => load().worker);
/** Health probe timeout and whether /metrics is served (both apps). */
export const observabilityConfig = registerAs('observability', () => load().observability);
/** Auth, limits and the grid's worker token (both apps: workers sign with the token). */
export const securityConfig = registerAs('security', () => load().security);
/** Callbacks of async native jobs: signing secret, SSRF allowance, timeouts and retries (gateway). */
export const webhookConfig = registerAs('webhook', () => load().webhook);
/** Environment name, log level and log format. */
export const appConfig = registerAs('app', () => {
  const { env, logLevel, logFormat } = load();
  return { env, logLevel, logFormat };
});
