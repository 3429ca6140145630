import { FairShareSettings } from '@gridllm/config';
import { JobKind } from '@gridllm/contracts';

/** Characters per token, roughly, for English text and code: the estimate only orders owners. */
const CHARS_PER_TOKEN = 4;

/** The request fields whose text the engine reads as the prompt, in every family's job (all are Ollama-shaped). */
const PROMPT_FIELDS = ['prompt', 'system', 'messages', 'input', 'suffix'] as const;

/**
 * What a job is expected to cost its owner on the fair-share counter, in weighted tokens divided by the
 * owner's share weight: its prompt (from its text length) and its completion (the request's own limit, or
 * the configured expectation). Charged when the job is queued, so a backlog is counted before it runs.
 */
export function fairShareCost(
  kind: JobKind,
  request: Record<string, unknown>,
  settings: Pick<FairShareSettings, 'promptWeight' | 'completionWeight' | 'expectedCompletionTokens'>,
  shareWeight = 1,
): number {
  const promptTokens = Math.ceil(promptChars(request) / CHARS_PER_TOKEN);
  const completionTokens = generates(kind) ? completionLimit(request, settings.expectedCompletionTokens) : 0;
  const weighted = promptTokens * settings.promptWeight + completionTokens * settings.completionWeight;
  // Never free: a zero cost would let one owner's jobs all share one place in the order.
  return Math.max(1, weighted) / (shareWeight > 0 ? shareWeight : 1);
}

function generates(kind: JobKind): boolean {
  return kind === JobKind.Generate || kind === JobKind.Chat;
}

function promptChars(request: Record<string, unknown>): number {
  let chars = 0;
  for (const field of PROMPT_FIELDS) {
    const value = request[field];
    if (typeof value === 'string') chars += value.length;
    else if (value !== undefined && value !== null) chars += JSON.stringify(value).length;
  }
  return chars;
}

/** Ollama's `options.num_predict` (OpenAI's max_tokens arrives translated into it); -1 or absent: the expectation. */
function completionLimit(request: Record<string, unknown>, expected: number): number {
  const options = request.options as Record<string, unknown> | undefined;
  const limit = options?.num_predict;
  return typeof limit === 'number' && limit > 0 ? Math.min(limit, expected * 16) : expected;
}
