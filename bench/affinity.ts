/**
 * Prefix-cache affinity, measured (docs/benchmarks.md "Prefix affinity"): three embedded-engine workers
 * on a generated model big enough that prefill dominates, a long shared system prompt, and several
 * simulated users holding multi-turn conversations at once. The same workload runs with
 * PREFIX_AFFINITY=true and =false (fresh gateway, workers and Redis data each), and prints TTFT p50/p95
 * and the prompt tokens the engines evaluated (the sum of `prompt_eval_count`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeDemoModel } from '../scripts/gguf/demo-model';
import { AppProcess } from '../test/support/app-process';
import { RedisServer } from '../test/support/redis-server';
import { waitFor } from '../test/support/wait-for';

const MODEL = 'affinity-bench:latest';
const WORKERS = 3;
/**
 * Nine users on three workers × three slots by default: more conversations than workers, as on a grid
 * (with three users on three one-slot workers, the order alone often sends a user back to its worker).
 */
const SLOTS = Number(process.env.BENCH_SLOTS ?? 3);
const USERS = Number(process.env.BENCH_USERS ?? 9);
const TURNS = Number(process.env.BENCH_TURNS ?? 14);
/** Words per user message: 250 by default (a pasted document); a chat-like workload sends a few dozen. */
const MESSAGE_WORDS = Number(process.env.BENCH_MESSAGE_WORDS ?? 250);
/** Tokens per answer: the answer stays in the slot's cache and in the history of every later turn. */
const ANSWER_TOKENS = Number(process.env.BENCH_ANSWER_TOKENS ?? 8);
/** The pause before each turn, in ms (see readingMs). */
const READ_MIN_MS = Number(process.env.BENCH_READ_MIN_MS ?? 300);
const READ_MAX_MS = Number(process.env.BENCH_READ_MAX_MS ?? 2500);
/**
 * Runs of each mode, in ABBA order (on off, off on, …), pooled per mode: the machine's load drifts
 * between runs, and a hit's TTFT moves with it (docs/benchmarks.md).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONTEXT = 6144;
/** Words the demo vocabulary holds whole: about one token each (other text falls back to characters). */
const WORDS =
  'the and of is in it you that for on with are be this was have not can will what how why who world model grid answer question name'.split(
    ' ',
  );

/** Deterministic filler text of `words` words. */
function text(seed: number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 3 + ((i * i) % 11)) % WORDS.length]);
  return out.join(' ');
}

const SYSTEM = `You are the archive assistant. ${text(1, 1600)}`;

interface Turn {
  ttftMs: number;
  promptEval: number;
  placement: string | null;
}

/** One streamed chat turn: time to the first content chunk, and the final chunk's prompt_eval_count. */
async function chatTurn(url: string, messages: object[]): Promise<Turn & { answer: string }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages,
      stream: true,
      options: { num_predict: ANSWER_TOKENS, temperature: 0, seed: 1, num_ctx: CONTEXT },
    }),
  });
  if (response.status !== 200) throw new Error(`chat answered ${response.status}: ${await response.text()}`);
  let ttftMs = 0;
  let answer = '';
  let promptEval = 0;
  let pending = '';
  const decoder = new TextDecoder();
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = JSON.parse(pending.slice(0, newline)) as Record<string, unknown>;
      pending = pending.slice(newline + 1);
      ttftMs ||= performance.now() - started;
      answer += (line.message as { content?: string } | undefined)?.content ?? '';
      if (line.done) promptEval = Number(line.prompt_eval_count ?? 0);
    }
  }
  return { ttftMs, promptEval, answer, placement: response.headers.get('x-gridllm-placement') };
}

/** One user's conversation: TURNS turns, each adding a MESSAGE_WORDS-word message and its answer to the history. */
async function converse(url: string, user: number): Promise<Turn[]> {
  const messages: object[] = [{ role: 'system', content: SYSTEM }];
  const turns: Turn[] = [];
  await pause(user * 150); // users start apart, then interleave
  for (let turn = 0; turn < TURNS; turn++) {
    await pause(readingMs(user, turn));
    messages.push({
      role: 'user',
      content: `User ${user} document ${turn}: ${text(user * 100 + turn, MESSAGE_WORDS)}`,
    });
    const result = await chatTurn(url, messages);
    messages.push({ role: 'assistant', content: result.answer });
    turns.push(result);
    if (process.env.BENCH_VERBOSE)
      console.log(
        `user ${user} turn ${turn}: ${result.placement} eval ${result.promptEval} ttft ${result.ttftMs.toFixed(0)}`,
      );
  }
  return turns;
}

/** A uniform number in [0, 1) fixed by its two inputs (mulberry32's mixing of one 32-bit seed). */
function fixedRandom(a: number, b: number): number {
  let t = Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca6b);
  t = Math.imul(t ^ (t >>> 15), 1 | t);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * How long the user reads the answer and types before this turn: random within READ_MIN_MS..READ_MAX_MS
 * but the same in both modes and every run. Random, so that the users' turns arrive in no fixed order:
 * with short regular pauses, turns arrived in a cycle and the idle workers took them in a cycle too, which
 * sent each of three users back to "its" worker without any affinity (docs/benchmarks.md).
 */
function readingMs(user: number, turn: number): number {
  return READ_MIN_MS + fixedRandom(user, turn) * (READ_MAX_MS - READ_MIN_MS);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface ModeResult {
  affinity: boolean;
  turns: Turn[];
  wallMs: number;
}

async function runMode(redis: RedisServer, modelsDir: string, affinity: boolean): Promise<ModeResult> {
  const admin = redis.client();
  await admin.flushall();
  admin.disconnect();
  const env = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) };
  const gateway = await new AppProcess('gateway', { ...env, PREFIX_AFFINITY: String(affinity) }).start(
    60_000,
  );
  const url = await gateway.url;
  const workers: AppProcess[] = [];
  try {
    for (let n = 0; n < WORKERS; n++)
      workers.push(
        await new AppProcess('worker', {
          ...env,
          WORKER_ID: `affinity-${n}`,
          ENGINE: 'llamacpp',
          MODELS_DIR: modelsDir,
          LLAMA_GPU: 'off',
          LLAMA_THREADS: '1',
          LLAMA_CONTEXT_SIZE: String(CONTEXT),
          MAX_CONCURRENT_TASKS: String(SLOTS),
        }).start(60_000),
      );
    await waitFor(
      'workers ready',
      async () => {
        const list = (await (await fetch(`${url}/admin/workers`)).json()) as Array<{ status: string }>;
        return list.filter((worker) => worker.status === 'ready').length === WORKERS;
      },
      60_000,
    );
    // Load the model on every worker first (a cold load is not what this measures), with the shared
    // system prompt, so every slot holds it as a grid that has served a while would: what affinity adds is
    // each conversation's own history.
    await Promise.all(
      Array.from({ length: WORKERS * SLOTS * 2 }, (_, n) =>
        chatTurn(url, [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: `warm up ${n}` },
        ]),
      ),
    );
    const started = performance.now();
    const perUser = await Promise.all(Array.from({ length: USERS }, (_, user) => converse(url, user)));
    return { affinity, turns: perUser.flat(), wallMs: performance.now() - started };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await gateway.stop('SIGKILL');
  }
}

function row(label: string, result: ModeResult): string {
  const ttft = result.turns.map((turn) => turn.ttftMs);
  const hits = result.turns.filter((turn) => turn.placement?.startsWith('prefix')).length;
  return `| ${label} | ${percentile(ttft, 50).toFixed(0)} | ${percentile(ttft, 95).toFixed(0)} | ${tokensOf(result)} | ${hits}/${result.turns.length} | ${(result.wallMs / 1000).toFixed(1)} |`;
}

const tokensOf = (result: ModeResult): number => result.turns.reduce((sum, turn) => sum + turn.promptEval, 0);

const p50Of = (result: ModeResult): number =>
  percentile(
    result.turns.map((turn) => turn.ttftMs),
    50,
  );

/** Every run of one mode as one: its turns together, its wall time summed. */
function pooled(runs: ModeResult[]): ModeResult {
  return {
    affinity: runs[0].affinity,
    turns: runs.flatMap((run) => run.turns),
    wallMs: runs.reduce((sum, run) => sum + run.wallMs, 0),
  };
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

async function main(): Promise<void> {
  const modelsDir = mkdtempSync(join(tmpdir(), 'gridllm-affinity-'));
  writeDemoModel(join(modelsDir, 'affinity-bench.gguf'), {
    modelName: MODEL,
    embeddingLength: 128,
    blockCount: 3,
    feedForwardLength: 384,
    contextLength: CONTEXT,
  });
  const redis = await new RedisServer().start();
  const loadBefore = load();
  try {
    const runs: ModeResult[] = [];
    for (let round = 0; round < ROUNDS; round++)
      for (const affinity of round % 2 === 0 ? [true, false] : [false, true])
        runs.push(await runMode(redis, modelsDir, affinity));
    const on = pooled(runs.filter((run) => run.affinity));
    const off = pooled(runs.filter((run) => !run.affinity));
    console.log(
      `${USERS} users × ${TURNS} turns (${MESSAGE_WORDS}-word messages, ${ANSWER_TOKENS}-token answers, ${READ_MIN_MS}–${READ_MAX_MS} ms reading), ${WORKERS} embedded workers × ${SLOTS} slots, system prompt ~1,600 tokens; ${ROUNDS} round(s), load average ${loadBefore} → ${load()}`,
    );
    console.log(
      '| affinity | TTFT p50 ms | TTFT p95 ms | prompt tokens evaluated | prefix placements | wall s |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    if (ROUNDS > 1)
      runs.forEach((run, n) => console.log(row(`${run.affinity ? 'on' : 'off'} (run ${n + 1})`, run)));
    console.log(row(ROUNDS > 1 ? 'on, pooled' : 'on ', on));
    console.log(row(ROUNDS > 1 ? 'off, pooled' : 'off', off));
    console.log(
      `TTFT p50 ${(p50Of(off) / p50Of(on)).toFixed(1)}× lower, ${(100 * (1 - tokensOf(on) / tokensOf(off))).toFixed(0)}% fewer prompt tokens with affinity on`,
    );
  } finally {
    await redis.stop();
    rmSync(modelsDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
