import type { HealthCheckResult } from '@nestjs/terminus';

/**
 * The liveness answer: the process serves HTTP, nothing else is consulted (a dependency outage must not
 * make an orchestrator restart healthy processes). Same shape as Terminus' results.
 */
export function liveness(uptimeSeconds = process.uptime()): HealthCheckResult {
  const proc = { status: 'up' as const, uptimeSeconds: Math.round(uptimeSeconds) };
  return { status: 'ok', info: { process: proc }, error: {}, details: { process: proc } };
}
