import { embeddedPlan } from './embedded';
import {
  defaultThreads,
  fastestThreads,
  finalMetrics,
  fullGenerationMs,
  GenerationSample,
  summarizeRun,
} from './embedded-metrics';

const sample = (evalCount: number, evalMs: number, firstLineMs: number): GenerationSample => ({
  evalCount,
  evalNs: evalMs * 1e6,
  promptEvalCount: 10,
  promptEvalNs: 1e6,
  loadNs: 0,
  totalNs: (evalMs + 1) * 1e6,
  firstLineMs,
  wallMs: evalMs + 2,
});

describe('finalMetrics', () => {
  const final = {
    model: 'gridllm-demo:tiny',
    done: true,
    done_reason: 'length',
    total_duration: 9000,
    prompt_eval_count: 12,
    prompt_eval_duration: 3000,
    eval_count: 256,
    eval_duration: 5000,
  };

  it('reads the last NDJSON line of a stream, absent (omitempty) metrics as 0', () => {
    const stream = [
      JSON.stringify({ response: 'a', done: false }),
      JSON.stringify({ response: 'b', done: false }),
      JSON.stringify(final),
      '',
    ].join('\n');
    expect(finalMetrics(stream)).toEqual({
      evalCount: 256,
      evalNs: 5000,
      promptEvalCount: 12,
      promptEvalNs: 3000,
      loadNs: 0,
      totalNs: 9000,
    });
  });

  it('reads a stream:false body, load_duration included', () => {
    expect(finalMetrics(JSON.stringify({ ...final, load_duration: 700 }))).toMatchObject({ loadNs: 700 });
  });

  it('explains an answer that did not finish', () => {
    expect(finalMetrics(JSON.stringify({ response: 'a', done: false }))).toMatch(/done:true/);
    expect(finalMetrics(`${JSON.stringify({ response: 'a', done: false })}\n{"error":"engine died"}`)).toBe(
      'error: engine died',
    );
    expect(finalMetrics('{"response":"a","do')).toMatch(/JSON line/);
    expect(finalMetrics('')).toMatch(/JSON line/);
  });
});

describe('summarizeRun', () => {
  it('divides summed tokens by summed eval time, and by the loops’ wall time', () => {
    const samples = [sample(100, 100, 10), sample(50, 150, 20), sample(150, 50, 30)];
    const summary = summarizeRun(samples, 1, 600);
    expect(summary.requests).toBe(3);
    expect(summary.meanTokens).toBe(100);
    expect(summary.decodePerSequence).toBeCloseTo(1000);
    expect(summary.decodeTotal).toBeCloseTo(1000);
    expect(summary.endToEnd).toBeCloseTo(500);
    expect(summary.firstTokenP50Ms).toBe(20);
    expect(summary.firstTokenP90Ms).toBeCloseTo(28);
  });

  it('counts parallel sequences in the total decode speed', () => {
    const summary = summarizeRun([sample(100, 200, 5), sample(100, 200, 5)], 2, 250);
    expect(summary.decodePerSequence).toBeCloseTo(500);
    expect(summary.decodeTotal).toBeCloseTo(1000);
    expect(summary.endToEnd).toBeCloseTo(800);
  });

  it('gives NaN, not Infinity, for nothing measured', () => {
    const summary = summarizeRun([], 1, 0);
    expect([summary.meanTokens, summary.decodeTotal, summary.endToEnd, summary.firstTokenP50Ms]).toEqual([
      NaN,
      NaN,
      NaN,
      NaN,
    ]);
  });
});

describe('fullGenerationMs', () => {
  it('scales the wall time per token seen so far to num_predict tokens', () => {
    // 300 tokens in 304 ms of wall time → 256 tokens ≈ 259 ms.
    expect(fullGenerationMs([sample(100, 100, 1), sample(200, 200, 1)], 256)).toBeCloseTo((304 / 300) * 256);
    expect(fullGenerationMs([], 256)).toBe(0);
  });
});

describe('threads', () => {
  it('defaults to one core less than the machine has, at least 1', () => {
    expect([1, 2, 4, 16].map(defaultThreads)).toEqual([1, 1, 3, 15]);
  });

  it('plans 1 and 2 threads (and the default) at c=1, then 2 slots with 1 thread at c=2', () => {
    expect(embeddedPlan(2)).toEqual([
      { threads: 1, slots: 1, concurrency: 1 },
      { threads: 2, slots: 1, concurrency: 1 },
      { threads: 1, slots: 2, concurrency: 2 },
    ]);
    expect(embeddedPlan(8).map((config) => config.threads)).toEqual([1, 2, 7, 1]);
  });

  it('ranks the concurrency-1 runs by decode speed', () => {
    const run = (threads: number, concurrency: number, decodeMs: number) => ({
      threads,
      concurrency,
      summary: summarizeRun([sample(100, decodeMs, 1)], concurrency, 1000),
    });
    expect(fastestThreads([run(1, 1, 100), run(2, 1, 1000), run(1, 2, 10)])).toEqual([
      { threads: 1, decode: 1000 },
      { threads: 2, decode: 100 },
    ]);
  });
});
