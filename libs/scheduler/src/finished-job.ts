import { InferenceJobData, InferenceJobResult } from '@gridllm/contracts';

/**
 * Longest Ollama `context` (token ids) a stored result keeps. A longer one is the prompt again, token by
 * token: a 5 MB prompt gives ~6 MB of ids, which would sit in Redis for the whole retention window.
 */
export const MAX_STORED_CONTEXT_TOKENS = 65536;

/**
 * The job without its request (the prompt, possibly megabytes, or its sealed form): what the gateway holds
 * while it relays the answer, and the base of what a finished job keeps.
 */
export function withoutRequest(data: InferenceJobData): InferenceJobData {
  const { request: _request, sealedRequest: _sealed, ...kept } = data;
  // Not `{ ...kept, request: {} }`: on Node 20 a literal that adds a property after a spread gives every
  // object a hidden class of its own (V8), and objects like that kept what they held alive through
  // young-generation collections (docs/benchmarks.md, sixteenth round).
  return Object.assign(kept, { request: {} });
}

/**
 * What a finished job keeps of its data: everything the status, result and cancel endpoints read (model,
 * kind, owner, times, retention, why its worker was chosen), but neither the request nor the prompt's
 * prefix checkpoint hashes (up to MAX_PREFIX_CHECKPOINTS of them, read once when the job was taken).
 */
export function finishedRecord(data: InferenceJobData): InferenceJobData {
  const kept = withoutRequest(data);
  if (!kept.affinity?.prefix) return kept;
  const { prefix: _prefix, ...affinity } = kept.affinity;
  return { ...kept, affinity };
}

/** The result as stored for GET /inference/:id/result: a prompt-sized `context` is left out (see above). */
export function storedResult(result: InferenceJobResult): InferenceJobResult {
  const { context } = result.response;
  if (!Array.isArray(context) || context.length <= MAX_STORED_CONTEXT_TOKENS) return result;
  const { context: _context, ...response } = result.response;
  return { ...result, response };
}

/**
 * The job hash field with a completed job's summary: the few numbers the dashboard lists, so that it does not
 * read and parse the whole result (the answer, and an Ollama `context` of up to MAX_STORED_CONTEXT_TOKENS ids)
 * of every job that finishes.
 */
export const FINISHED_SUMMARY_FIELD = 'gridllm-summary';

/** A completed job's summary (see FINISHED_SUMMARY_FIELD): who ran it, and the engine's counts and times. */
export interface FinishedSummary {
  workerId: string;
  eval_count?: number;
  load_duration?: number;
  prompt_eval_duration?: number;
}

/** The summary of a result; counts the engine did not report are left out. */
export function finishedSummary(result: InferenceJobResult): FinishedSummary {
  const { eval_count, load_duration, prompt_eval_duration } = result.response;
  return {
    workerId: result.workerId,
    ...(typeof eval_count === 'number' && { eval_count }),
    ...(typeof load_duration === 'number' && { load_duration }),
    ...(typeof prompt_eval_duration === 'number' && { prompt_eval_duration }),
  };
}
