/** The embedded engine's numbers: Ollama metrics of one answer, and a run's summary (pure, unit-tested). */
import { percentile } from './stats';

/** Ollama's metrics (counts, and durations in ns) from the final line of an answer; absent ones are 0. */
export interface EngineMetrics {
  evalCount: number;
  evalNs: number;
  promptEvalCount: number;
  promptEvalNs: number;
  loadNs: number;
  totalNs: number;
}

/** One generation: what the engine reported, and what the client saw (ms from its send). */
export interface GenerationSample extends EngineMetrics {
  firstLineMs: number;
  wallMs: number;
}

export interface RunSummary {
  requests: number;
  /** Mean eval_count: the random model may stop at an end token before num_predict. */
  meanTokens: number;
  /** Σ eval_count / Σ eval_duration: one sequence's decode speed as the engine reports it. */
  decodePerSequence: number;
  /** `decodePerSequence` × concurrency: all parallel sequences together (they overlap in closed loops). */
  decodeTotal: number;
  /** Σ eval_count / wall time of the measured loops: tokens per second as the client receives them. */
  endToEnd: number;
  firstTokenP50Ms: number;
  firstTokenP90Ms: number;
}

/**
 * The metrics of an answer's final object: the last line of an NDJSON stream, or the whole body of a
 * `stream:false` answer. An error message when the answer did not end with `done: true`.
 */
export function finalMetrics(body: string): EngineMetrics | string {
  const last = body.trim().split('\n').pop() ?? '';
  let final: Record<string, unknown>;
  try {
    final = JSON.parse(last) as Record<string, unknown>;
  } catch {
    return `the answer does not end with a JSON line: ${last.slice(0, 200)}`;
  }
  if (typeof final.error === 'string') return `error: ${final.error}`;
  if (final.done !== true) return `the answer does not end with done:true: ${last.slice(0, 200)}`;
  const read = (field: string): number => {
    const value = final[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  return {
    evalCount: read('eval_count'),
    evalNs: read('eval_duration'),
    promptEvalCount: read('prompt_eval_count'),
    promptEvalNs: read('prompt_eval_duration'),
    loadNs: read('load_duration'),
    totalNs: read('total_duration'),
  };
}

/** Summary of the generations of one worker configuration, measured in `elapsedMs` of closed loops. */
export function summarizeRun(
  samples: readonly GenerationSample[],
  concurrency: number,
  elapsedMs: number,
): RunSummary {
  const sum = (pick: (sample: GenerationSample) => number): number =>
    samples.reduce((total, sample) => total + pick(sample), 0);
  const tokens = sum((sample) => sample.evalCount);
  const evalNs = sum((sample) => sample.evalNs);
  const decodePerSequence = evalNs > 0 ? (tokens * 1e9) / evalNs : NaN;
  const firstLines = samples.map((sample) => sample.firstLineMs).sort((a, b) => a - b);
  return {
    requests: samples.length,
    meanTokens: samples.length > 0 ? tokens / samples.length : NaN,
    decodePerSequence,
    decodeTotal: decodePerSequence * concurrency,
    endToEnd: elapsedMs > 0 ? (tokens * 1000) / elapsedMs : NaN,
    firstTokenP50Ms: percentile(firstLines, 50),
    firstTokenP90Ms: percentile(firstLines, 90),
  };
}

/** Wall time of a `numPredict`-token generation at the pace of `samples` (client wall time per token); 0 for none. */
export function fullGenerationMs(samples: readonly GenerationSample[], numPredict: number): number {
  const tokens = samples.reduce((total, sample) => total + sample.evalCount, 0);
  const wallMs = samples.reduce((total, sample) => total + sample.wallMs, 0);
  return tokens > 0 ? (wallMs / tokens) * numPredict : 0;
}

/** The worker's default LLAMA_THREADS (libs/config grid-config.ts): one core left for Node's own thread. */
export function defaultThreads(cores: number): number {
  return Math.max(1, cores - 1);
}

/** Decode speed at concurrency 1 per LLAMA_THREADS, fastest first. */
export function fastestThreads(
  runs: ReadonlyArray<{ threads: number; concurrency: number; summary: RunSummary }>,
): Array<{ threads: number; decode: number }> {
  return runs
    .filter((run) => run.concurrency === 1 && Number.isFinite(run.summary.decodePerSequence))
    .map((run) => ({ threads: run.threads, decode: run.summary.decodePerSequence }))
    .sort((a, b) => b.decode - a.decode);
}
