/** The embedded engine's section of the console report and of docs/benchmarks.md. */
import { EmbeddedResults, EmbeddedRun } from './embedded';
import { fastestThreads, summarizeRun } from './embedded-metrics';
import { markdownTable, textTable } from './tables';

export const EMBEDDED_HEADING = 'Embedded engine (llama.cpp, demo model)';

const HEADER = [
  'Worker',
  'Generations',
  'Mean tokens',
  'Decode tok/s (engine)',
  'End-to-end tok/s (client)',
  'First token p50 / p90',
  'First load',
];

const rate = (value: number): string => (Number.isFinite(value) ? String(Math.round(value)) : 'n/a');
const threadCount = (count: number): string => `${count} thread${count === 1 ? '' : 's'}`;
const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');

function label(run: EmbeddedRun, results: EmbeddedResults): string {
  const threads = `LLAMA_THREADS=${run.threads}${run.threads === results.defaultThreads ? ' (default)' : ''}`;
  return `${threads}, MAX_CONCURRENT_TASKS=${run.slots}, c=${run.concurrency}`;
}

function rows(results: EmbeddedResults): string[][] {
  return results.runs.map((run) => {
    const s = summarizeRun(run.samples, run.concurrency, run.elapsedMs);
    const parallel = run.concurrency > 1;
    return [
      label(run, results),
      run.errors > 0 ? `${s.requests} (+${run.errors} failed)` : String(s.requests),
      s.meanTokens.toFixed(0),
      parallel
        ? `${rate(s.decodeTotal)} total (${rate(s.decodePerSequence)} per sequence)`
        : rate(s.decodeTotal),
      parallel ? `${rate(s.endToEnd)} total` : rate(s.endToEnd),
      `${ms(s.firstTokenP50Ms)} / ${ms(s.firstTokenP90Ms)}`,
      ms(run.loadMs),
    ];
  });
}

/** Whether the worker's default LLAMA_THREADS decoded fastest at concurrency 1. */
function threadVerdict(results: EmbeddedResults): string {
  const ranked = fastestThreads(
    results.runs.map((run) => ({ ...run, summary: summarizeRun(run.samples, 1, run.elapsedMs) })),
  );
  const measured = ranked
    .map((entry) => `${threadCount(entry.threads)} ${rate(entry.decode)} tok/s`)
    .join(', ');
  const best = ranked[0];
  const defaulted = ranked.find((entry) => entry.threads === results.defaultThreads);
  const intro =
    `${results.cores} cores (os.cpus); the worker's default LLAMA_THREADS = max(1, cores − 1) = ` +
    `${results.defaultThreads}. Decode at c=1: ${measured}: `;
  if (!best || !defaulted) return `${intro}the default was not measured.`;
  if (best.threads === defaulted.threads) {
    const runnerUp = ranked[1];
    const margin = runnerUp
      ? ` (${(best.decode / runnerUp.decode).toFixed(1)}× the decode of ${threadCount(runnerUp.threads)})`
      : '';
    return `${intro}**the default is the fastest**${margin}.`;
  }
  return (
    `${intro}**the default is not the fastest**: ${threadCount(best.threads)} decode ` +
    `${(best.decode / defaulted.decode).toFixed(1)}× faster.`
  );
}

/** Two slots as parallel sequences against one slot, both with 1 thread. */
function parallelVerdict(results: EmbeddedResults): string | null {
  const single = results.runs.find((run) => run.threads === 1 && run.concurrency === 1);
  const parallel = results.runs.find((run) => run.threads === 1 && run.concurrency > 1);
  if (!single || !parallel) return null;
  const one = summarizeRun(single.samples, 1, single.elapsedMs);
  const many = summarizeRun(parallel.samples, parallel.concurrency, parallel.elapsedMs);
  return (
    `${parallel.slots} slots at c=${parallel.concurrency} (1 thread): ${(many.decodeTotal / one.decodeTotal).toFixed(2)}× ` +
    `the decode and ${(many.endToEnd / one.endToEnd).toFixed(2)}× the end-to-end tokens/s of one slot at c=1.`
  );
}

/** Configurations where more than `maxShare` of the generations failed. */
export function embeddedProblems(results: EmbeddedResults | null, maxShare: number): string[] {
  if (!results) return [];
  return results.runs
    .filter((run) => run.errors > maxShare * (run.errors + run.samples.length))
    .map(
      (run) =>
        `embedded engine, ${label(run, results)}: ${run.errors} of ` +
        `${run.errors + run.samples.length} generations failed (${run.firstError ?? '?'})`,
    );
}

export function embeddedConsole(results: EmbeddedResults | null): string[] {
  if (!results) return [`${EMBEDDED_HEADING}: skipped (BENCH_EMBEDDED=0).`, ''];
  return [
    `${EMBEDDED_HEADING}, through the gateway:`,
    textTable(HEADER, rows(results)),
    threadVerdict(results).replace(/\*\*/g, ''),
    parallelVerdict(results) ?? '',
    '',
  ];
}

export function embeddedMarkdown(results: EmbeddedResults | null): string[] {
  const heading = `### ${EMBEDDED_HEADING}`;
  if (!results) return [heading, '', 'Skipped (`BENCH_EMBEDDED=0`).', ''];
  const { numPredict, maxRequests, minRequests, budgetMs } = results.settings;
  const parallel = parallelVerdict(results);
  return [
    heading,
    '',
    `The demo model (\`scripts/gguf/demo-model.ts\`, ${Math.round(results.modelBytes / 1024)} KiB) has random ` +
      `weights and a toy size, so these numbers are the speed of the llama.cpp path (node-llama-cpp in the ` +
      `worker, sampling, the chunk relay) and of the gateway plumbing, not of a real model. Decode is ` +
      `Σ eval_count / Σ eval_duration as the engine reports it; end-to-end is the tokens the client received ` +
      `per second of its requests' wall time (prompt, queue, relay and HTTP included); first token is the ` +
      `client's send to the first NDJSON line. First load is the warm-up request's load_duration: node-llama-cpp ` +
      `starts on a worker's first model load, so it is in there too.`,
    '',
    markdownTable(HEADER, rows(results)),
    '',
    `- ${threadVerdict(results)}`,
    ...(parallel ? [`- ${parallel}`] : []),
    `- Set-up: \`ENGINE=llamacpp\`, \`LLAMA_GPU=off\`, one worker per row, started one after the other on ` +
      `the same gateway and Redis (the fixture-backed worker idles meanwhile), each after one warm-up ` +
      `generation that loads the model (\`keep_alive: -1\`). Streaming \`POST /api/generate\` with ` +
      `\`num_predict: ${numPredict}\`, \`temperature: 0.8\` and seeds 1, 2, … in the same order for every row ` +
      `(the random model may stop at an end token earlier: "Mean tokens"), in closed loops at concurrency c ` +
      `for up to ${maxRequests} generations, starting one (after ${minRequests} per loop) only if a full ` +
      `${numPredict} tokens at the pace seen so far would end within ${budgetMs / 1000} s. At c=2 the ` +
      `two slots run as parallel sequences of one context: decode total = per-sequence decode × 2. The phase ` +
      `took ${(results.durationMs / 1000).toFixed(0)} s; \`BENCH_EMBEDDED=0\` skips it.`,
    '',
  ];
}
