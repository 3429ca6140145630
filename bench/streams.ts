/**
 * Streaming at width, after the latency and throughput rows: (1) the relay of many concurrent long
 * streams (tokens per second through the gateway against the fixture directly, ABBA rounds) and (2) a
 * crowd of concurrent streaming clients on slow tokens (errors, and the peak RSS of gateway and worker).
 * Each part has its own fixture process and worker (their own model name), stopped before the next.
 */
import { performance } from 'node:perf_hooks';

import { FixtureProcess } from './fixture-process';
import { BenchGrid } from './grid';
import { BenchHttpClient, HttpTiming, jsonRequest } from './http-client';
import { RssPeaks } from './rss';
import { Side, SIDES } from './scenarios';
import { StreamSettings } from './settings';
import { abbaOrder } from './stats';

export const RELAY_MODEL = 'relay:latest';
const CROWD_MODEL = 'crowd:latest';

/** Streams of one side: the content tokens received, and the time the rounds took. */
export interface StreamsSide {
  streams: number;
  tokens: number;
  elapsedMs: number;
  errors: number;
  firstError: string | null;
}

export interface CrowdSide extends StreamsSide {
  /** Most streams open at the same time. */
  peakOpen: number;
  /** Peak RSS (MiB) per process while this side ran. */
  rssPeakMiB: Record<string, number>;
}

export interface StreamsResults {
  settings: StreamSettings;
  relay: Record<Side, StreamsSide>;
  crowd: Record<Side, CrowdSide>;
}

export const emptySide = (): StreamsSide => ({
  streams: 0,
  tokens: 0,
  elapsedMs: 0,
  errors: 0,
  firstError: null,
});

/** Content lines of a streamed answer (all but the final one), or an error message. */
function contentLines(timing: HttpTiming): number | string {
  if (timing.status !== 200) return `HTTP ${timing.status}: ${timing.body.slice(0, 200)}`;
  const lines = timing.body.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (!last.includes('"done":true')) return `stream ended without done:true: ${last.slice(0, 200)}`;
  return lines.length - 1;
}

/**
 * `width` streams at once, `perStream` one after the other on each; adds to `side`. With `rampMs`, the
 * loops start evenly spread over that time (clients arriving, not one burst). Returns the most streams
 * that were open at the same time.
 */
export async function streamWave(
  client: BenchHttpClient,
  base: URL,
  model: string,
  width: number,
  perStream: number,
  side: StreamsSide,
  rampMs = 0,
): Promise<number> {
  const spec = jsonRequest('/api/generate', { model, prompt: 'Why is the sky blue?' });
  const start = performance.now();
  let open = 0;
  let peak = 0;
  const loop = async (index: number): Promise<void> => {
    if (rampMs > 0) await new Promise((resolve) => setTimeout(resolve, (index * rampMs) / width));
    for (let i = 0; i < perStream; i++) {
      peak = Math.max(peak, ++open);
      const outcome = await client.send(base, spec).then(contentLines, (error: Error) => error.message);
      open--;
      side.streams++;
      if (typeof outcome === 'number') side.tokens += outcome;
      else {
        side.errors++;
        side.firstError ??= outcome;
      }
    }
  };
  await Promise.all(Array.from({ length: width }, (_, index) => loop(index)));
  side.elapsedMs += performance.now() - start;
  return peak;
}

export class StreamsPhase {
  constructor(
    private readonly grid: BenchGrid,
    private readonly settings: StreamSettings,
    private readonly log: (line: string) => void,
  ) {}

  async run(targets: Record<Side, URL>): Promise<StreamsResults> {
    const { relayTokens, relayStreams, crowdTokens, crowdDelayMs, crowdClients } = this.settings;
    const relay = await withStreamWorker(
      this.grid,
      { model: RELAY_MODEL, tokens: relayTokens, tokenDelayMs: 0, slots: relayStreams },
      (url) => this.relay({ ...targets, direct: url }),
    );
    const crowd = await withStreamWorker(
      this.grid,
      { model: CROWD_MODEL, tokens: crowdTokens, tokenDelayMs: crowdDelayMs, slots: crowdClients },
      (url, workerPid) => this.crowd({ ...targets, direct: url }, workerPid),
    );
    return { settings: this.settings, relay, crowd };
  }

  private async relay(targets: Record<Side, URL>): Promise<Record<Side, StreamsSide>> {
    const { relayStreams: width, relayTokens, relayRounds } = this.settings;
    this.log(
      `relay: ${width} concurrent streams × ${relayTokens} tokens, ${relayRounds} ABBA rounds per side`,
    );
    const client = new BenchHttpClient(width * 2, 60_000);
    try {
      for (const side of SIDES) await streamWave(client, targets[side], RELAY_MODEL, width, 1, emptySide());
      const results: Record<Side, StreamsSide> = { direct: emptySide(), gateway: emptySide() };
      for (let round = 0; round < relayRounds; round++) {
        for (const side of abbaOrder(round, 'direct' as const, 'gateway' as const))
          await streamWave(client, targets[side], RELAY_MODEL, width, 2, results[side]);
      }
      return results;
    } finally {
      client.close();
    }
  }

  private async crowd(
    targets: Record<Side, URL>,
    workerPid: number | undefined,
  ): Promise<Record<Side, CrowdSide>> {
    const { crowdClients: width, crowdTokens, crowdDelayMs, crowdRampMs } = this.settings;
    this.log(
      `crowd: ${width} concurrent streaming clients arriving over ${crowdRampMs} ms, ${crowdTokens} tokens ${crowdDelayMs} ms apart`,
    );
    const client = new BenchHttpClient(width + 16, 120_000);
    const results = {} as Record<Side, CrowdSide>;
    try {
      for (const side of SIDES) {
        const peaks = new RssPeaks({ gateway: this.grid.gateway?.pid, worker: workerPid });
        const result = emptySide();
        peaks.start();
        const peakOpen = await streamWave(client, targets[side], CROWD_MODEL, width, 1, result, crowdRampMs);
        results[side] = { ...result, peakOpen, rssPeakMiB: peaks.stop() };
      }
      return results;
    } finally {
      client.close();
    }
  }
}

/** What `withStreamWorker` starts: a fixture answering `model` with `tokens` tokens, and a worker with `slots`. */
export interface StreamWorkerSpec {
  model: string;
  tokens: number;
  tokenDelayMs: number;
  slots: number;
}

/** A fixture serving `spec.model` and a worker on `grid` in front of it, for the length of `task`. */
export async function withStreamWorker<T>(
  grid: BenchGrid,
  spec: StreamWorkerSpec,
  task: (fixtureUrl: URL, workerPid: number | undefined) => Promise<T>,
): Promise<T> {
  const { model, tokens, tokenDelayMs, slots } = spec;
  const fixture = new FixtureProcess({
    models: [model],
    tokens,
    tokenDelayMs,
    numParallel: slots,
    startTimeoutMs: 30_000,
  });
  await fixture.start();
  try {
    const worker = await grid.startWorker(`bench-${model.split(':')[0]}`, {
      OLLAMA_URL: fixture.url,
      MAX_CONCURRENT_TASKS: String(Math.min(slots, MAX_WORKER_SLOTS)),
    });
    try {
      return await task(new URL(fixture.url), worker.pid);
    } finally {
      await grid.stopWorker(worker);
    }
  } finally {
    await fixture.stop();
  }
}

/** MAX_CONCURRENT_TASKS' upper bound (libs/config). */
const MAX_WORKER_SLOTS = 1024;
