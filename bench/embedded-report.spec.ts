import { EmbeddedResults, EmbeddedRun } from './embedded';
import { embeddedConsole, embeddedMarkdown, embeddedProblems } from './embedded-report';
import { GenerationSample } from './embedded-metrics';

const generation = (evalMs: number): GenerationSample => ({
  evalCount: 100,
  evalNs: evalMs * 1e6,
  promptEvalCount: 10,
  promptEvalNs: 1e6,
  loadNs: 0,
  totalNs: evalMs * 1e6,
  firstLineMs: 5,
  wallMs: evalMs + 5,
});

const run = (threads: number, concurrency: number, evalMs: number, errors = 0): EmbeddedRun => ({
  threads,
  slots: concurrency,
  concurrency,
  loadMs: 700,
  samples: [generation(evalMs), generation(evalMs)],
  elapsedMs: 2 * (evalMs + 5),
  errors,
  firstError: errors > 0 ? 'HTTP 500' : null,
});

const results = (runs: EmbeddedRun[]): EmbeddedResults => ({
  cores: 2,
  defaultThreads: 1,
  settings: { numPredict: 256, maxRequests: 12, minRequests: 2, budgetMs: 4000, requestTimeoutMs: 60000 },
  modelBytes: 600_000,
  durationMs: 25_000,
  runs,
});

describe('embedded engine report', () => {
  it('marks the default thread count and confirms it when it decodes fastest', () => {
    const text = embeddedMarkdown(results([run(1, 1, 100), run(2, 1, 1000), run(1, 2, 200)])).join('\n');
    expect(text).toContain('### Embedded engine (llama.cpp, demo model)');
    expect(text).toContain('| LLAMA_THREADS=1 (default), MAX_CONCURRENT_TASKS=1, c=1 | 2 | 100 | 1000 |');
    expect(text).toContain('1000 total (500 per sequence)');
    expect(text).toContain('**the default is the fastest** (10.0× the decode of 2 threads)');
    expect(text).toContain('2 slots at c=2 (1 thread): 1.00× the decode');
  });

  it('says so when another thread count decodes faster', () => {
    const text = embeddedConsole(results([run(1, 1, 400), run(2, 1, 100)])).join('\n');
    expect(text).toContain('the default is not the fastest: 2 threads decode 4.0× faster');
  });

  it('reports failed generations, and a skipped phase', () => {
    expect(embeddedProblems(results([run(1, 1, 100, 1)]), 0.01)).toEqual([
      'embedded engine, LLAMA_THREADS=1 (default), MAX_CONCURRENT_TASKS=1, c=1: 1 of 3 generations failed (HTTP 500)',
    ]);
    expect(embeddedProblems(null, 0)).toEqual([]);
    expect(embeddedMarkdown(null).join('\n')).toContain('Skipped (`BENCH_EMBEDDED=0`)');
  });
});
