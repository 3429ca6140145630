import { JobKind, OllamaChunk, RESUMED_FIELD, ResumedInfo, mayResume } from '@gridllm/contracts';
import { ResponseAccumulator } from '@gridllm/streaming';

import type { RelayChunk } from '../job-handlers';
import { EarlierOutput } from './earlier-output.reader';

/** Generate fields a chat request cannot carry: such a job is not continued (ended with an error line). */
const GENERATE_ONLY = ['context', 'template', 'suffix'];
/** Generate fields that become messages, or have no chat counterpart, when a generate is continued as a chat. */
const REPLACED_BY_MESSAGES = ['prompt', 'system', 'images', 'raw', ...GENERATE_ONLY];

/** How a re-run of a job goes on: from scratch, continuing the text so far, or not at all (error line). */
export type ResumePlan =
  { kind: 'fresh' } | { kind: 'continue'; continuation: Continuation } | { kind: 'refuse'; reason: string };

/** Decides how a job that opted in goes on, from what its earlier attempts streamed. */
export function planResume(
  jobKind: JobKind,
  request: Record<string, unknown>,
  earlier: EarlierOutput,
  byWorker: string,
): ResumePlan {
  if (earlier.attemptsWithText === 0) return { kind: 'fresh' };
  if (!mayResume(true, earlier.attemptsWithText)) return { kind: 'fresh' };
  const so = soFar(earlier.chunks, jobKind);
  const info: ResumedInfo = {
    from_worker: earlier.lastWorkerId,
    by_worker: byWorker,
    after_chunks: earlier.chunks.length,
    after_chars: so.text.length,
  };
  if (so.toolCalls) return { kind: 'refuse', reason: 'its answer had tool calls' };
  if (jobKind === JobKind.Chat) {
    const messages = Array.isArray(request.messages) ? request.messages : [];
    const partial = {
      role: 'assistant',
      content: so.text,
      ...(so.thinking ? { thinking: so.thinking } : {}),
    };
    return continued(JobKind.Chat, { ...request, messages: [...messages, partial] });
  }
  if (jobKind !== JobKind.Generate) return { kind: 'fresh' };
  if (request.raw === true)
    return continued(JobKind.Generate, { ...request, prompt: `${promptOf(request)}${so.text}` });
  const unsupported = GENERATE_ONLY.find((field) => request[field] !== undefined && request[field] !== '');
  if (unsupported)
    return { kind: 'refuse', reason: `a generate request with "${unsupported}" cannot be continued` };
  return continued(JobKind.Chat, generateAsChat(request, so.text));

  function continued(engineKind: JobKind, engineRequest: Record<string, unknown>): ResumePlan {
    return {
      kind: 'continue',
      continuation: new Continuation(jobKind, engineKind, engineRequest, earlier, info),
    };
  }
}

/**
 * A non-raw generate is its template applied to [system, user: prompt] (Ollama's GenerateHandler builds
 * exactly these messages). The same messages plus the partial answer as an assistant message make
 * Ollama render that prompt with the text so far left open, which the model continues.
 */
function generateAsChat(request: Record<string, unknown>, text: string): Record<string, unknown> {
  const rest = Object.fromEntries(
    Object.entries(request).filter(([field]) => !REPLACED_BY_MESSAGES.includes(field)),
  );
  const user: Record<string, unknown> = { role: 'user', content: promptOf(request) };
  if (Array.isArray(request.images)) user.images = request.images;
  const system =
    typeof request.system === 'string' && request.system ? [{ role: 'system', content: request.system }] : [];
  return { ...rest, messages: [...system, user, { role: 'assistant', content: text }] };
}

/**
 * One continued run: the engine request, and the translation of its chunks into the job's stream:
 * chat chunks back into generate chunks (for a continued generate), and a final line whose counts and
 * durations cover both parts and that names where the job was resumed.
 */
export class Continuation {
  constructor(
    private readonly jobKind: JobKind,
    readonly engineKind: JobKind,
    readonly request: Record<string, unknown>,
    private readonly earlier: EarlierOutput,
    readonly info: ResumedInfo,
  ) {}

  /** The merged answer (stream:false, the stored result) starts with the text streamed before. */
  seed(accumulator: ResponseAccumulator): void {
    for (const chunk of this.earlier.chunks) accumulator.add(chunk);
  }

  adapt(item: RelayChunk): RelayChunk {
    let chunk = this.engineKind === this.jobKind ? item.chunk : chatAsGenerate(item.chunk);
    if (item.final) chunk = this.withBothParts(chunk);
    if (chunk === item.chunk) return item;
    return { raw: JSON.stringify(chunk), chunk, final: item.final };
  }

  /** Earlier chunks count one token each (Ollama streams a chunk per token); their time span is added. */
  private withBothParts(final: OllamaChunk): OllamaChunk {
    const tokens = this.earlier.chunks.length;
    const spanNs = spanOf(this.earlier.chunks);
    const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
    const merged: OllamaChunk = { ...final };
    const evalCount = number(final.eval_count);
    if (evalCount !== undefined) merged.eval_count = evalCount + tokens;
    // The continuation's prompt held the partial answer: those tokens were generated, not prompted.
    const promptCount = number(final.prompt_eval_count);
    if (promptCount !== undefined) merged.prompt_eval_count = Math.max(1, promptCount - tokens);
    for (const field of ['eval_duration', 'total_duration']) {
      const value = number(final[field]);
      if (value !== undefined) merged[field] = value + spanNs;
    }
    merged[RESUMED_FIELD] = this.info;
    return merged;
  }
}

/** A chat chunk as /api/generate would have sent it (Ollama's GenerateResponse field order). */
function chatAsGenerate(chunk: OllamaChunk): OllamaChunk {
  const { model, created_at, message, done, done_reason, ...rest } = chunk;
  const out: OllamaChunk = { model, created_at, response: message?.content ?? '' };
  if (message?.thinking) out.thinking = message.thinking;
  out.done = done;
  if (done_reason !== undefined) out.done_reason = done_reason;
  return { ...out, ...rest };
}

function soFar(chunks: OllamaChunk[], kind: JobKind): { text: string; thinking: string; toolCalls: boolean } {
  let text = '';
  let thinking = '';
  let toolCalls = false;
  for (const chunk of chunks) {
    const source = kind === JobKind.Chat ? chunk.message : chunk;
    text += (kind === JobKind.Chat ? chunk.message?.content : chunk.response) ?? '';
    thinking += source?.thinking ?? '';
    toolCalls ||= Array.isArray(source?.tool_calls) && source.tool_calls.length > 0;
  }
  return { text, thinking, toolCalls };
}

/** Nanoseconds between the first and the last earlier chunk (their created_at). */
function spanOf(chunks: OllamaChunk[]): number {
  const times = chunks.map((chunk) => Date.parse(String(chunk.created_at ?? ''))).filter(Number.isFinite);
  return times.length < 2 ? 0 : Math.max(0, (Math.max(...times) - Math.min(...times)) * 1e6);
}

function promptOf(request: Record<string, unknown>): string {
  return typeof request.prompt === 'string' ? request.prompt : '';
}
