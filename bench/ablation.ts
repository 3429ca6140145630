/**
 * `npm run bench:ablation -- <commit> <commit> ...`: issue 15's ablation in one run. Every commit is checked
 * out and built (as `npm run bench:ab` does, with the modules of its own lock file), then the hot-path probe
 * (`bench/hot-path-probe.ts`: Redis commands per `stream:false` request at c=1, the latency added at c=1
 * against the fixture, gateway + worker + Redis CPU per request and requests/s at c=32) runs on each in
 * turn, in `ABLATION_PASSES` passes (default 2) that alternate the order, so that the machine's drift over
 * the run hits early and late commits alike. Each probe is its own process with its own grid, on this
 * checkout's fixture and bench code. Prints one markdown table: per commit and measure the mean of its
 * passes with ± half their range. Nothing is written to docs/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { BuiltCheckout } from './ab/built-checkout';
import { loadAverage } from './machine';
import { runToExit } from './run-to-exit';
import { intFromEnv } from './settings';
import { meanAndSpread } from './stats';
import { markdownTable } from './tables';

const PASSES = intFromEnv('ABLATION_PASSES', 2);
const PROBE = join(__dirname, 'hot-path-probe.ts');
const ROLES = ['gateway', 'worker', 'redis'] as const;
const HEADER = [
  'Commit',
  'Date, subject',
  'Commands / request',
  'Added p50, c=1 (ms)',
  'Added p99, c=1 (ms)',
  'req/s, c=32',
  'CPU ms / request: gateway + worker + Redis',
  'Errors',
];

interface ProbeResult {
  commandsPerRequest: number;
  addedMsC1: { p50: number; p99: number };
  requestsPerSecond: number;
  errors: number;
  cpuMsPerRequest: Record<(typeof ROLES)[number], number>;
}

interface Row {
  checkout: BuiltCheckout;
  subject: string;
  results: ProbeResult[];
}

const log = (line: string) => console.error(`[ablation] ${line}`);
const subjectOf = (ref: string) =>
  execFileSync('git', ['log', '-1', '--format=%cs %s', ref], { encoding: 'utf8' }).trim().slice(0, 60);

function probe(root: string): ProbeResult {
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register', PROBE], {
    env: { ...process.env, PROBE_APP_ROOT: root, TS_NODE_TRANSPILE_ONLY: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = run.stdout
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  if (run.status !== 0 || !line) throw new Error(`probe of ${root} failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(line) as ProbeResult;
}

function table(rows: Row[]): string {
  return markdownTable(
    HEADER,
    rows.map(({ checkout, subject, results }) => {
      const of = (pick: (result: ProbeResult) => number, digits: number) =>
        meanAndSpread(results.map(pick), digits);
      const parts = ROLES.map((role) => of((r) => r.cpuMsPerRequest[role], 2)).join(' + ');
      return [
        checkout.label,
        subject,
        of((r) => r.commandsPerRequest, 1),
        of((r) => r.addedMsC1.p50, 2),
        of((r) => r.addedMsC1.p99, 2),
        of((r) => r.requestsPerSecond, 0),
        `${of((r) => ROLES.reduce((sum, role) => sum + r.cpuMsPerRequest[role], 0), 2)} (${parts})`,
        String(results.reduce((n, r) => n + r.errors, 0)),
      ];
    }),
  );
}

async function main(): Promise<void> {
  const refs = process.argv.slice(2);
  if (refs.length === 0) throw new Error('usage: npm run bench:ablation -- <commit> <commit> ...');
  const rows: Row[] = [];
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverage();
  try {
    for (const ref of refs) {
      rows.push({ checkout: BuiltCheckout.prepare(ref, log), subject: subjectOf(ref), results: [] });
    }
    for (let pass = 0; pass < PASSES; pass++) {
      const order = pass % 2 ? [...rows].reverse() : rows;
      for (const row of order) {
        log(`pass ${pass + 1}/${PASSES}: probing ${row.checkout.label}`);
        const result = probe(row.checkout.root);
        log(`  ${JSON.stringify(result)}`);
        row.results.push(result);
      }
    }
    console.log(
      `${startedAt} · \`npm run bench:ablation\` · ${PASSES} pass(es), order alternating · ` +
        `load average ${loadBefore} → ${loadAverage()}\n`,
    );
    console.log(table(rows));
  } finally {
    rows.forEach((row) => row.checkout.remove());
  }
}

runToExit(main);
