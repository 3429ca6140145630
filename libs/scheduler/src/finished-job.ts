import { InferenceJobData, InferenceJobResult } from '@gridllm/contracts';

/**
 * Longest Ollama `context` (token ids) a stored result keeps. A longer one is the prompt again, token by
 * token: a 5 MB prompt gives ~6 MB of ids, which would sit in Redis for the whole retention window.
 */
export const MAX_STORED_CONTEXT_TOKENS = 65536;

/**
 * What a finished job keeps of its data: everything the status, result and cancel endpoints read (model,
 * kind, owner, times, retention, why its worker was chosen), but not the request (the prompt, possibly
 * megabytes, or its sealed form) nor the prompt's prefix hashes (up to 256 of them, read once at the take).
 */
export function withoutRequest(data: InferenceJobData): InferenceJobData {
  const { request: _request, sealedRequest: _sealed, ...kept } = data;
  if (!kept.affinity?.prefix) return { ...kept, request: {} };
  const { prefix: _prefix, ...affinity } = kept.affinity;
  return { ...kept, request: {}, affinity };
}

/** The result as stored for GET /inference/:id/result: a prompt-sized `context` is left out (see above). */
export function storedResult(result: InferenceJobResult): InferenceJobResult {
  const { context } = result.response;
  if (!Array.isArray(context) || context.length <= MAX_STORED_CONTEXT_TOKENS) return result;
  const { context: _context, ...response } = result.response;
  return { ...result, response };
}
