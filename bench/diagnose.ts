import Redis from 'ioredis';

import { BenchHttpClient } from './http-client';
import { generateOnce } from './probes';
import {
  monitorDuring,
  pingRoundTrips,
  readCommandStats,
  resetCommandStats,
  sampleQueueDuring,
  traceRequests,
} from './redis-probe';
import { BenchResults } from './results';
import { emptyThroughput, Targets, warmUp, window } from './scenarios';
import { BenchSettings } from './settings';
import { loadedStages } from './stages';
import { ratePerSecond } from './stats';

/** How long the full-concurrency window traced with MONITOR runs. */
export const LOADED_TRACE_MS = 1000;
const PINGS = 500;

export type Diagnosis = Pick<
  BenchResults,
  'redisPingMs' | 'commandsPerRequest' | 'profiledRequests' | 'traces' | 'loaded'
>;

/**
 * Where the gateway's time goes: Redis round-trip cost, Redis commands per request (INFO commandstats),
 * requests at concurrency 1 traced with MONITOR, and one second at full concurrency traced with MONITOR
 * while the queue depth is sampled. Runs after the measurements, since MONITOR slows Redis down.
 */
export async function diagnose(
  client: BenchHttpClient,
  targets: Targets,
  redis: Redis,
  pids: Record<string, number | undefined>,
  settings: BenchSettings,
): Promise<Diagnosis> {
  const probe = generateOnce(settings.model);
  const redisPingMs = await pingRoundTrips(redis, PINGS);

  await resetCommandStats(redis);
  await warmUp(client, targets.gateway, probe, settings.profileRequests);
  const commandsPerRequest = [...(await readCommandStats(redis)).entries()]
    .map(([command, count]) => ({
      command,
      calls: count.calls / settings.profileRequests,
      usec: count.usec / settings.profileRequests,
    }))
    .sort((a, b) => b.calls - a.calls || a.command.localeCompare(b.command));

  const traces = await traceRequests(redis, pids, settings.traceRequests, 20, async () => {
    const timing = await client.send(targets.gateway, probe.spec);
    const error = probe.check(timing);
    if (error) throw new Error(`traced request failed: ${error}`);
  });

  const run = emptyThroughput();
  const queueKey = `gridllm:${encodeURIComponent(settings.model)}`;
  const load = () =>
    window(client, targets.gateway, probe, settings.concurrency, LOADED_TRACE_MS, run, settings.concurrency);
  let queue = { samples: 0, waitingMean: NaN, activeMean: NaN };
  const commands = await monitorDuring(redis, async () => {
    queue = await sampleQueueDuring(redis, queueKey, 20, load);
  });
  if (run.errors > 0) throw new Error(`traced load failed: ${run.firstError ?? '?'}`);
  return {
    redisPingMs,
    commandsPerRequest,
    profiledRequests: settings.profileRequests,
    traces,
    loaded: {
      ...loadedStages(commands),
      queue,
      windowMs: LOADED_TRACE_MS,
      ratePerSecond: ratePerSecond(run.completed, run.elapsedMs),
    },
  };
}
