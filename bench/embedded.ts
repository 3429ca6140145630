/**
 * The embedded llama.cpp engine on the generated demo model, through the gateway: one worker per
 * configuration (LLAMA_THREADS, slots), started on the grid's Redis one after the other, each stopped
 * before the next starts. Decode speed as the engine reports it, tokens per second as the client receives
 * them, and the time to the first token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { DEMO_MODEL_NAME, writeDemoModel } from '../scripts/gguf/demo-model';
import { defaultThreads, finalMetrics, fullGenerationMs, GenerationSample } from './embedded-metrics';
import { BenchGrid } from './grid';
import { BenchHttpClient, jsonRequest } from './http-client';
import { EmbeddedSettings } from './settings';

const PROMPT = 'Why is the sky blue?';
/** The warm-up generation only has to load the model: a few tokens (2 threads on 2 cores are slow). */
const WARM_UP_TOKENS = 4;

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** One embedded worker's set-up and the concurrency it is measured at. */
export interface EmbeddedConfig {
  threads: number;
  slots: number;
  concurrency: number;
}

export interface EmbeddedRun extends EmbeddedConfig {
  /** Model load as the warm-up request reported it (load_duration), ms. */
  loadMs: number;
  samples: GenerationSample[];
  /** Wall time of the measured closed loops (first send to last answer). */
  elapsedMs: number;
  errors: number;
  firstError: string | null;
}

export interface EmbeddedResults {
  /** os.cpus().length, as the worker counts cores for its default. */
  cores: number;
  defaultThreads: number;
  settings: EmbeddedSettings;
  modelBytes: number;
  durationMs: number;
  runs: EmbeddedRun[];
}

/** LLAMA_THREADS 1 and 2 (and the default, if neither) at concurrency 1, then 2 slots at concurrency 2. */
export function embeddedPlan(cores: number): EmbeddedConfig[] {
  const threads = [...new Set([1, 2, defaultThreads(cores)])].sort((a, b) => a - b);
  return [
    ...threads.map((count) => ({ threads: count, slots: 1, concurrency: 1 })),
    { threads: 1, slots: 2, concurrency: 2 },
  ];
}

function generateSpec(seed: number, numPredict: number, stream: boolean) {
  return jsonRequest('/api/generate', {
    model: DEMO_MODEL_NAME,
    prompt: PROMPT,
    stream,
    keep_alive: -1,
    options: { num_predict: numPredict, seed, temperature: 0.8 },
  });
}

/** One generation through the gateway: the sample, or an error message. */
async function generation(
  client: BenchHttpClient,
  gateway: URL,
  spec: ReturnType<typeof generateSpec>,
): Promise<GenerationSample | string> {
  try {
    const timing = await client.send(gateway, spec);
    if (timing.status !== 200) return `HTTP ${timing.status}: ${timing.body.slice(0, 200)}`;
    const metrics = finalMetrics(timing.body);
    if (typeof metrics === 'string') return metrics;
    return { ...metrics, firstLineMs: timing.firstLineMs, wallMs: timing.totalMs };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Writes the demo model into a temporary MODELS_DIR, measures each configuration, removes the directory. */
export class EmbeddedPhase {
  private dir: string | null = null;

  constructor(
    private readonly grid: BenchGrid,
    private readonly settings: EmbeddedSettings,
    private readonly log: (line: string) => void,
  ) {}

  async run(): Promise<EmbeddedResults> {
    const started = performance.now();
    this.dir = mkdtempSync(join(tmpdir(), 'gridllm-bench-models-'));
    const model = writeDemoModel(join(this.dir, 'gridllm-demo-tiny.gguf'));
    const cores = cpus().length;
    const client = new BenchHttpClient(4, this.settings.requestTimeoutMs);
    try {
      const runs: EmbeddedRun[] = [];
      for (const config of embeddedPlan(cores)) runs.push(await this.measureWorker(client, config));
      return {
        cores,
        defaultThreads: defaultThreads(cores),
        settings: this.settings,
        modelBytes: model.bytes,
        durationMs: performance.now() - started,
        runs,
      };
    } finally {
      client.close();
      this.dispose();
    }
  }

  /** Removes the temporary models directory (safe to call again, and from a signal handler). */
  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private async measureWorker(client: BenchHttpClient, config: EmbeddedConfig): Promise<EmbeddedRun> {
    const id = `bench-embedded-t${config.threads}-s${config.slots}`;
    const starting = performance.now();
    const worker = await this.grid.startWorker(id, {
      ENGINE: 'llamacpp',
      MODELS_DIR: this.dir ?? '',
      LLAMA_GPU: 'off',
      LLAMA_THREADS: String(config.threads),
      MAX_CONCURRENT_TASKS: String(config.slots),
    });
    try {
      const gateway = new URL(this.grid.gatewayUrl);
      // Loads the model (keep_alive -1 keeps it) and resolves its chat template, off the measurement.
      const warm = await generation(client, gateway, generateSpec(0, WARM_UP_TOKENS, false));
      if (typeof warm === 'string') throw new Error(`embedded warm-up (${id}) failed: ${warm}`);
      const ready = seconds(performance.now() - starting);
      const run = await this.closedLoops(client, gateway, config.concurrency);
      this.log(
        `  ${id} (pid ${worker.pid}): ready and warm in ${ready} s, ` +
          `${run.samples.length} generations in ${seconds(run.elapsedMs)} s`,
      );
      return { ...config, loadMs: warm.loadNs / 1e6, ...run };
    } finally {
      const stopping = performance.now();
      const code = await this.grid.stopWorker(worker);
      this.log(`  ${id} stopped in ${seconds(performance.now() - stopping)} s (exit code ${code})`);
    }
  }

  /**
   * `concurrency` closed loops of streaming generations, seeds 1, 2, … in order (the same prompts for
   * every configuration). After its first `minRequests`, a loop starts another only while fewer than
   * `maxRequests` were sent and a full `numPredict` generation at the pace seen so far would end within
   * `budgetMs` (a slow configuration, e.g. 2 threads on 2 cores, must not stretch the phase).
   */
  private async closedLoops(
    client: BenchHttpClient,
    gateway: URL,
    concurrency: number,
  ): Promise<Pick<EmbeddedRun, 'samples' | 'elapsedMs' | 'errors' | 'firstError'>> {
    const { maxRequests, minRequests, budgetMs, numPredict } = this.settings;
    const result = { samples: [] as GenerationSample[], errors: 0, firstError: null as string | null };
    const start = performance.now();
    let sent = 0;
    const loop = async (): Promise<void> => {
      for (
        let own = 0;
        sent < maxRequests &&
        (own < minRequests ||
          performance.now() + fullGenerationMs(result.samples, numPredict) <= start + budgetMs);
        own++
      ) {
        const outcome = await generation(client, gateway, generateSpec(++sent, numPredict, true));
        if (typeof outcome !== 'string') result.samples.push(outcome);
        else {
          result.errors++;
          result.firstError ??= outcome;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    return { ...result, elapsedMs: performance.now() - start };
  }
}
