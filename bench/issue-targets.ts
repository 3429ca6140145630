/**
 * Issue 15's table: every measure with the figure it had when the issue was filed ("today" there), this
 * run's figure and the target, so each run shows what is met and what is not.
 */
import { AUTH_ADDED_P50_LIMIT_MS, authAddedP50 } from './access-report';
import { BenchResults } from './results';
import { Side } from './scenarios';
import { ratePerSecond, summarize } from './stats';
import { crowdMet, relayRatio } from './streams-report';

/** Processes whose CPU counts as the cost of a request through the grid. */
const GRID_PROCESSES = ['gateway', 'worker', 'redis'];

export interface TargetRow {
  measure: string;
  issueFiled: string;
  thisRun: string;
  target: string;
  met: boolean | null;
}

const ms = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(2)} ms`;

function added(results: BenchResults, phase: 'generate' | 'firstToken', p: 'p50' | 'p99'): number {
  return summarize(results[phase].gateway.samples)[p] - summarize(results[phase].direct.samples)[p];
}

function rate(results: BenchResults, side: Side): number {
  return ratePerSecond(results.throughput[side].completed, results.throughput[side].elapsedMs);
}

/** CPU ms per gateway request summed over gateway, worker and Redis, in the gateway's throughput windows. */
export function gridCpuPerRequestMs(results: BenchResults): number {
  const percent = results.throughputCpu.gateway
    .filter((entry) => GRID_PROCESSES.includes(entry.role))
    .reduce((sum, entry) => sum + entry.percent, 0);
  return (percent * 10) / rate(results, 'gateway');
}

export function commandsPerRequest(results: BenchResults): number {
  return results.commandsPerRequest.reduce((sum, entry) => sum + entry.calls, 0);
}

export function targetRows(results: BenchResults): TargetRow[] {
  const latency = (measure: string, value: number, issueFiled: string, limit: number): TargetRow => ({
    measure,
    issueFiled,
    thisRun: ms(value),
    target: `≤ +${limit} ms`,
    met: value <= limit,
  });
  const ratio = rate(results, 'gateway') / rate(results, 'direct');
  const cpu = gridCpuPerRequestMs(results);
  const commands = commandsPerRequest(results);
  const streams = results.streams;
  return [
    latency(
      'added latency, `stream:false` generate, c=1, p50',
      added(results, 'generate', 'p50'),
      '+6.3 ms',
      1,
    ),
    latency('same, p99', added(results, 'generate', 'p99'), '+14.3 ms', 5),
    latency(
      'added time to first token (streaming), p50',
      added(results, 'firstToken', 'p50'),
      '+3.8 ms',
      1.5,
    ),
    {
      measure: `throughput at c=${results.settings.concurrency}, gateway / direct`,
      issueFiled: '0.11',
      thisRun: ratio.toFixed(2),
      target: '≥ 0.5',
      met: ratio >= 0.5,
    },
    {
      measure: 'Redis commands per request (INFO commandstats, c=1)',
      issueFiled: '~116',
      thisRun: commands.toFixed(1),
      target: '≤ 30',
      met: commands <= 30,
    },
    {
      measure: 'CPU per request, gateway + worker + Redis (throughput windows)',
      issueFiled: '~2.6 ms',
      thisRun: `${cpu.toFixed(2)} ms`,
      target: '≤ 1.0 ms',
      met: cpu <= 1,
    },
    {
      measure: streams
        ? `relay: ${streams.settings.relayStreams} concurrent streams × ${streams.settings.relayTokens} tokens, tokens/s gateway / direct`
        : 'relay: 64 concurrent streams × 200 tokens, tokens/s gateway / direct',
      issueFiled: 'not measured',
      thisRun: streams ? relayRatio(streams).toFixed(2) : 'skipped',
      target: '≥ 0.8',
      met: streams ? relayRatio(streams) >= 0.8 : null,
    },
    {
      measure: `${streams?.settings.crowdClients ?? 1000} concurrent streaming clients (slow tokens)`,
      issueFiled: 'not measured',
      thisRun: streams
        ? `${streams.crowd.gateway.errors} errors; gateway ${Math.round(streams.crowd.gateway.rssPeakMiB.gateway ?? NaN)} MiB, worker ${Math.round(streams.crowd.gateway.rssPeakMiB.worker ?? NaN)} MiB`
        : 'skipped',
      target: '0 errors; gateway RSS ≤ 200 MiB, worker ≤ 300 MiB',
      met: streams ? crowdMet(streams) : null,
    },
    authRow(results),
  ];
}

function authRow(results: BenchResults): TargetRow {
  const row = {
    measure: 'with auth on (API key) and a rate limit: added p50 over auth off (generate `stream:false`)',
    issueFiled: '+0.6–0.9 ms',
    target: `≤ +${AUTH_ADDED_P50_LIMIT_MS} ms`,
  };
  if (!results.access) return { ...row, thisRun: 'skipped', met: null };
  const value = authAddedP50(results.access.generate);
  return { ...row, thisRun: ms(value), met: value <= AUTH_ADDED_P50_LIMIT_MS };
}

const verdict = (met: boolean | null): string => (met === null ? '—' : met ? 'yes' : '**no**');

export const TARGET_HEADER = ['Measure (issue 15)', 'When filed', 'This run', 'Target', 'Met'];

export function targetCells(results: BenchResults): string[][] {
  return targetRows(results).map((row) => [
    row.measure,
    row.issueFiled,
    row.thisRun,
    row.target,
    verdict(row.met),
  ]);
}
