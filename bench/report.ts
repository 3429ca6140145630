import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { embeddedConsole, embeddedMarkdown, embeddedProblems } from './embedded-report';
import { TARGET_HEADER, targetCells } from './issue-targets';
import { BenchResults } from './results';
import { Side, SideResult } from './scenarios';
import { LOADED_STEPS, medianStages, STAGES } from './stages';
import { ratePerSecond, summarize, Summary } from './stats';
import { accessConsole, accessMarkdown } from './access-report';
import { streamsConsole, streamsMarkdown } from './streams-report';
import { markdownTable, textTable } from './tables';

export const DOC_PATH = join(__dirname, '..', 'docs', 'benchmarks.md');
/** Everything below this line of docs/benchmarks.md is rewritten by each run; the text above is kept. */
export const RESULTS_MARKER =
  '<!-- bench:results — everything below is rewritten by `npm run bench` (bench/report.ts); edit above only. -->';
const FALLBACK_INTRO = '# Benchmarks\n\nNumbers of the last `npm run bench`.\n';

/** The project's targets for what the gateway adds on top of the engine. */
export const TARGETS = { addedP50Ms: 1, addedP99Ms: 5, firstTokenAddedMs: 1.5 } as const;

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(3)} ms` : 'n/a');
const signedMs = (value: number): string => (value >= 0 ? `+${ms(value)}` : `−${ms(-value)}`);
const perSecond = (value: number): string => `${Math.round(value)} req/s`;

interface Row {
  label: string;
  direct: string;
  gateway: string;
  added: string;
  target: string;
  met: string;
}

interface Comparison {
  direct: Summary;
  gateway: Summary;
}

const compare = (result: Record<Side, SideResult>): Comparison => ({
  direct: summarize(result.direct.samples),
  gateway: summarize(result.gateway.samples),
});

function latencyRows(label: string, comparison: Comparison, targets: { p50?: number; p99?: number }): Row[] {
  return (['p50', 'p99'] as const).map((p) => {
    const added = comparison.gateway[p] - comparison.direct[p];
    const target = targets[p];
    return {
      label: `${label}, ${p}`,
      direct: ms(comparison.direct[p]),
      gateway: ms(comparison.gateway[p]),
      added: signedMs(added),
      target: target === undefined ? '—' : `≤ ${target} ms`,
      met: target === undefined ? '' : added <= target ? 'yes' : '**no**',
    };
  });
}

interface Derived {
  rows: Row[];
  verdicts: string[];
  errors: string[];
}

function derive(results: BenchResults): Derived {
  const generate = compare(results.generate);
  const firstToken = compare(results.firstToken);
  const version = compare(results.version);
  const rate = {
    direct: ratePerSecond(results.throughput.direct.completed, results.throughput.direct.elapsedMs),
    gateway: ratePerSecond(results.throughput.gateway.completed, results.throughput.gateway.elapsedMs),
  };
  const c = results.settings.concurrency;
  const rows: Row[] = [
    ...latencyRows('generate `stream:false`, c=1', generate, {
      p50: TARGETS.addedP50Ms,
      p99: TARGETS.addedP99Ms,
    }),
    ...latencyRows('first NDJSON line (streaming generate), c=1', firstToken, {
      p50: TARGETS.firstTokenAddedMs,
    }),
    ...latencyRows('reference: `GET /api/version`, c=1', version, {}),
    {
      label: `throughput, generate \`stream:false\`, c=${c}`,
      direct: perSecond(rate.direct),
      gateway: perSecond(rate.gateway),
      added: `gateway/direct = ${(rate.gateway / rate.direct).toFixed(2)}`,
      target: '—',
      met: '',
    },
  ];
  const verdict = (name: string, added: number, target: number): string =>
    `${name} ≤ ${target} ms: ${added <= target ? '**met**' : '**not met**'} (${signedMs(added)}` +
    (added > target ? `, ${(added / target).toFixed(1)}× the target)` : ')');
  const verdicts = [
    verdict('Added p50', generate.gateway.p50 - generate.direct.p50, TARGETS.addedP50Ms),
    verdict('Added p99', generate.gateway.p99 - generate.direct.p99, TARGETS.addedP99Ms),
    verdict(
      'First-token added (p50)',
      firstToken.gateway.p50 - firstToken.direct.p50,
      TARGETS.firstTokenAddedMs,
    ),
  ];
  const errors = unhealthy(results, 0);
  return { rows, verdicts, errors };
}

/** Phases where more than `maxShare` of the requests failed: their numbers would mislead. */
export function unhealthy(results: BenchResults, maxShare = 0.01): string[] {
  const phases = {
    'generate stream:false': results.generate,
    'streaming generate': results.firstToken,
    'GET /api/version': results.version,
    throughput: results.throughput,
    ...(results.access && {
      'auth off vs on, generate': results.access.generate,
      'auth off vs on, GET /api/tags': results.access.tags,
    }),
  };
  const sides = Object.entries(phases).flatMap(([phase, result]) =>
    (['direct', 'gateway'] as const)
      .filter((side) => result[side].errors > maxShare * (result[side].errors + result[side].samples.length))
      .map(
        (side) =>
          `${phase}, ${side}: ${result[side].errors} of ${result[side].errors + result[side].samples.length} requests failed (${result[side].firstError ?? '?'})`,
      ),
  );
  return [...sides, ...embeddedProblems(results.embedded, maxShare)];
}

const RESULT_HEADER = ['Measurement', 'Direct (fixture)', 'Through the gateway', 'Added', 'Target', 'Met'];
const rowCells = (row: Row): string[] => [row.label, row.direct, row.gateway, row.added, row.target, row.met];

/** The table printed at the end of a run. */
export function consoleReport(results: BenchResults): string {
  const derived = derive(results);
  const plain = (text: string) => text.replace(/\*\*|`/g, '');
  const stages = medianStages(results.traces);
  return [
    '',
    textTable(
      RESULT_HEADER,
      derived.rows.map((row) => rowCells(row).map(plain)),
    ),
    '',
    ...derived.verdicts.map((verdict) => plain(verdict)),
    ...(derived.errors.length > 0 ? ['', 'Errors:', ...derived.errors] : ['No failed requests.']),
    '',
    ...accessConsole(results.access),
    ...streamsConsole(results.streams),
    textTable(
      TARGET_HEADER,
      targetCells(results).map((row) => row.map(plain)),
    ),
    '',
    `CPU during the throughput windows (100 % = one core of ${results.machine.cpus}):`,
    textTable(['process', 'direct', 'gateway'], cpuRows(results)),
    '',
    `Redis round trip (PING, c=1) p50 ${ms(summarize(results.redisPingMs).p50)}; ` +
      `${commandTotal(results).toFixed(1)} Redis commands per gateway request.`,
    `Steps of a gateway request (median of ${stages.requests} traced under MONITOR):`,
    textTable(
      ['step', 'median'],
      STAGES.map((stage, index) => [stage.name, ms(stages.durations[index] ?? NaN)]),
    ),
    '',
    `Steps of a job at c=${results.settings.concurrency} (median of ${results.loaded.jobs} jobs traced under MONITOR; ` +
      `on average ${results.loaded.queue.waitingMean.toFixed(1)} jobs waiting, ${results.loaded.queue.activeMean.toFixed(1)} running):`,
    textTable(['step', 'median'], loadedRows(results)),
    '',
    ...embeddedConsole(results.embedded),
  ].join('\n');
}

/** CPU % per process in each side's throughput windows, and CPU ms per completed request for ours. */
function cpuRows(results: BenchResults): string[][] {
  const rates = {
    direct: ratePerSecond(results.throughput.direct.completed, results.throughput.direct.elapsedMs),
    gateway: ratePerSecond(results.throughput.gateway.completed, results.throughput.gateway.elapsedMs),
  };
  const cell = (side: Side, role: string, perRequest: boolean) => {
    const entry = results.throughputCpu[side].find((cpu) => cpu.role === role);
    if (!entry) return 'n/a';
    const cpuMs = (entry.percent * 10) / rates[side];
    return perRequest && rates[side] > 0 && entry.percent >= 0.5
      ? `${Math.round(entry.percent)} % (${cpuMs.toFixed(2)} ms/req)`
      : `${Math.round(entry.percent)} %`;
  };
  const roles = [
    ...new Set([...results.throughputCpu.direct, ...results.throughputCpu.gateway].map((c) => c.role)),
  ];
  return roles.map((role) => {
    const ours = role !== 'other processes' && role !== 'whole machine';
    return [role, cell('direct', role, ours), cell('gateway', role, ours)];
  });
}

function loadedRows(results: BenchResults): string[][] {
  return LOADED_STEPS.map((step, index) => [step, ms(results.loaded.durations[index] ?? NaN)]);
}

function commandTotal(results: BenchResults): number {
  return results.commandsPerRequest.reduce((sum, entry) => sum + entry.calls, 0);
}

/** The traced request whose total time is the median, as rows of its Redis timeline. */
function medianTimeline(
  results: BenchResults,
): { total: number; rows: string[][]; luaCommands: number } | null {
  const sorted = [...results.traces].sort((a, b) => a.endMs - a.startMs - (b.endMs - b.startMs));
  const trace = sorted[Math.floor(sorted.length / 2)];
  if (!trace) return null;
  const shown = trace.events.filter((event) => event.who !== 'lua');
  const entries = [
    { atMs: trace.startMs, who: 'client', command: 'sends POST /api/generate' },
    ...shown.map((event) => ({
      ...event,
      command: event.atMs > trace.endMs ? `${event.command} (after the answer)` : event.command,
    })),
    { atMs: trace.endMs, who: 'client', command: 'has the whole answer' },
  ].sort((a, b) => a.atMs - b.atMs);
  const rows = entries.map((entry, index) => [
    (entry.atMs - trace.startMs).toFixed(3),
    index === 0 ? '' : `+${(entry.atMs - (entries[index - 1]?.atMs ?? entry.atMs)).toFixed(3)}`,
    entry.who,
    entry.command,
  ]);
  return { total: trace.endMs - trace.startMs, rows, luaCommands: trace.events.length - shown.length };
}

function detailRows(results: BenchResults): string[][] {
  const phases: Array<[string, Record<Side, SideResult>]> = [
    ['generate stream:false', results.generate],
    ['first NDJSON line', results.firstToken],
    ['GET /api/version', results.version],
    [`throughput (latency under load, c=${results.settings.concurrency})`, results.throughput],
  ];
  return phases.flatMap(([name, result]) =>
    (['direct', 'gateway'] as const).map((side) => {
      const s = summarize(result[side].samples);
      return [
        name,
        side,
        String(s.count),
        ...[s.min, s.mean, s.p50, s.p90, s.p99, s.max].map((v) => v.toFixed(3)),
      ];
    }),
  );
}

/** The warm-up under load that comes before every row, in words (BENCH_STEADY_WARMUP_MS=0: none). */
function steadyStateOrder(settings: BenchResults['settings']): string {
  const seconds = settings.steadyStateWarmupMs / 1000;
  if (seconds === 0) return 'Order: no warm-up under load (BENCH_STEADY_WARMUP_MS=0): a cold grid. ';
  return (
    `Order: first ${seconds} s per side at concurrency ${settings.concurrency} for each latency probe ` +
    `(\`stream:false\`, then streaming), unmeasured, so that V8 has optimised both paths as on a grid that has ` +
    `served for a while. `
  );
}

/** The generated part of docs/benchmarks.md. */
export function markdownReport(results: BenchResults): string {
  const derived = derive(results);
  const { settings, machine } = results;
  const stages = medianStages(results.traces);
  const timeline = medianTimeline(results);
  const ping = summarize(results.redisPingMs);
  const redisUsec = results.commandsPerRequest.reduce((sum, entry) => sum + entry.usec, 0);
  const windowS = settings.throughputWindowMs / 1000;
  return [
    '## Last run',
    '',
    `${results.startedAt.toISOString()} · \`npm run bench\` · measuring took ${(results.durationMs / 1000).toFixed(0)} s (after the build) · commit ${machine.commit}`,
    '',
    markdownTable(
      ['Machine', ''],
      [
        ['CPUs (nproc)', `${machine.cpus} × ${machine.cpuModel}`],
        ['Memory', `${machine.memoryGiB} GiB`],
        ['OS', machine.os],
        ['Node', machine.node],
        ['redis-server --version', machine.redis],
        ['Load average (1/5/15 min), start → end', `${machine.loadAverage} → ${results.loadAverageAfter}`],
      ],
    ),
    '',
    `Set-up: the fixture as its own process (${settings.tokens} tokens per answer, token delay 0, ` +
      `NUM_PARALLEL ${settings.parallel}), redis-server (AOF on, as in production), the gateway and one worker ` +
      `(MAX_CONCURRENT_TASKS=${settings.parallel}), all on 127.0.0.1. The client runs in the bench process: ` +
      `Node \`http\` with one keep-alive agent, the same for both sides.`,
    '',
    steadyStateOrder(settings) +
      `Latency rows send ${settings.warmup} warm-up requests per side, then ${settings.requests} measured ` +
      `per side (${settings.versionRequests} for \`/api/version\`) in blocks of ${settings.blockSize}, alternating ` +
      `direct and gateway ABBA (D G G D D G …). Throughput: ${settings.throughputWarmupMs / 1000} s warm-up per side, ` +
      `then ${settings.throughputRounds} windows of ${windowS} s per side at concurrency ${settings.concurrency}, ` +
      `ABBA; requests/s = completed requests / window time. "Added" = gateway percentile − direct percentile.`,
    '',
    '### Results',
    '',
    markdownTable(RESULT_HEADER, derived.rows.map(rowCells)),
    '',
    derived.errors.length > 0
      ? `Failed requests:\n\n${derived.errors.map((e) => `- ${e}`).join('\n')}`
      : 'No failed requests.',
    '',
    '### Against the targets',
    '',
    ...derived.verdicts.map((verdict) => `- ${verdict}`),
    '',
    "Issue 15's table, with the figure each measure had when the issue was filed:",
    '',
    markdownTable(TARGET_HEADER, targetCells(results)),
    '',
    ...accessMarkdown(results.access),
    ...streamsMarkdown(results.streams),
    '### Where the added time goes',
    '',
    `CPU use during the throughput windows (100 % = one core; the machine has ${machine.cpus}; ` +
      `ms/req = CPU time per completed request; "other processes" are everything else on the machine):`,
    '',
    markdownTable(['Process', 'Direct windows', 'Gateway windows'], cpuRows(results)),
    '',
    `- One Redis round trip from Node (sequential PING on one connection): p50 ${ms(ping.p50)}, p99 ${ms(ping.p99)}.`,
    `- A gateway \`stream:false\` request costs ${commandTotal(results).toFixed(1)} Redis commands ` +
      `(${(redisUsec / 1000).toFixed(3)} ms of command execution in Redis; INFO commandstats over ${results.profiledRequests} ` +
      `requests at c=1, the worker's heartbeats included):`,
    '',
    markdownTable(
      ['Command', 'Calls per request', 'Redis µs per request'],
      results.commandsPerRequest.map((entry) => [
        entry.command,
        entry.calls.toFixed(2),
        entry.usec.toFixed(1),
      ]),
    ),
    '',
    `Steps of one request, median over ${stages.requests} of ${results.traces.length} requests traced with ` +
      `Redis MONITOR (which slows Redis a little, so traced requests run a bit slower than untraced ones); ` +
      `a step ends at the first Redis command of the next:`,
    '',
    markdownTable(
      ['Step', 'Ends at', 'Median'],
      STAGES.map((stage, index) => [stage.name, stage.endsAt, ms(stages.durations[index] ?? NaN)]),
    ),
    '',
    `At full load: ${results.loaded.windowMs / 1000} s of gateway requests at concurrency ` +
      `${results.settings.concurrency} traced with MONITOR (${perSecond(results.loaded.ratePerSecond)} under MONITOR), ` +
      `median per job over the ${results.loaded.jobs} jobs that ran entirely inside the window. Queue depth ` +
      `sampled every 20 ms meanwhile: on average ${results.loaded.queue.waitingMean.toFixed(1)} jobs waiting and ` +
      `${results.loaded.queue.activeMean.toFixed(1)} running (worker slots: ${results.settings.parallel}).`,
    '',
    markdownTable(['Step', 'Median'], loadedRows(results)),
    '',
    ...(timeline
      ? [
          `Timeline of the median traced request (${ms(timeline.total)}; ms from the client's send; ` +
            `${timeline.luaCommands} commands run inside BullMQ's Lua scripts not shown):`,
          '',
          markdownTable(['At (ms)', 'Δ (ms)', 'Who (process/connection)', 'Command'], timeline.rows),
          '',
        ]
      : []),
    ...embeddedMarkdown(results.embedded),
    '### All latency statistics (ms)',
    '',
    markdownTable(
      ['Measurement', 'Side', 'n', 'min', 'mean', 'p50', 'p90', 'p99', 'max'],
      detailRows(results),
    ),
    '',
  ].join('\n');
}

/** Formats like `npx prettier --write` would, so the committed doc passes `npm run format:check`. */
async function formatMarkdown(text: string, path: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(path)) ?? {};
    return await prettier.format(text, { ...config, filepath: path });
  } catch {
    return text;
  }
}

/** Rewrites docs/benchmarks.md: the hand-written text above the marker stays, the results are replaced. */
export async function writeDoc(results: BenchResults, path = DOC_PATH): Promise<string> {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const markerAt = existing.indexOf(RESULTS_MARKER);
  const intro = markerAt >= 0 ? existing.slice(0, markerAt).trimEnd() : FALLBACK_INTRO.trimEnd();
  const text = `${intro}\n\n${RESULTS_MARKER}\n\n${markdownReport(results)}`;
  writeFileSync(path, await formatMarkdown(text, path));
  return path;
}
