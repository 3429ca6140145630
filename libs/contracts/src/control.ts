/** Model operations a gateway fans out to the workers that hold a model (no model data crosses Redis). */
export type ControlOperation =
  | { op: 'delete'; model: string }
  | { op: 'copy'; source: string; destination: string }
  /** Ollama's load (empty prompt / messages) or unload (`keep_alive: 0`), on every worker holding the model. */
  | { op: 'lifecycle'; kind: 'generate' | 'chat'; request: Record<string, unknown> }
  /** `/api/pull` on the worker's own Ollama; progress lines go to the request's progress stream. */
  | { op: 'pull'; request: Record<string, unknown> }
  /**
   * `/api/create` on the worker's engine. `blobs` maps each digest the request's `files`/`adapters` name
   * to a signed, expiring gateway URL the worker downloads it from (model data never crosses Redis).
   */
  | { op: 'create'; request: Record<string, unknown>; blobs: Record<string, string> }
  /** `/api/push` on the worker's own Ollama, with its own registry credentials; progress as for pull. */
  | { op: 'push'; request: Record<string, unknown> };

/** One worker's answer to a control request. */
export interface ControlReply {
  workerId: string;
  /** The operation ran; false with `found: false` when the worker did not have the model. */
  ok: boolean;
  found: boolean;
  error?: string;
  /** The engine's answer, for operations that have one (lifecycle). */
  body?: Record<string, unknown>;
}

/** The blob digests an `/api/create` request names in `files` and `adapters` (each once, as written). */
export function createRequestDigests(request: Record<string, unknown>): string[] {
  const digests = [request.files, request.adapters].flatMap((field): unknown[] =>
    field && typeof field === 'object' && !Array.isArray(field) ? Object.values(field) : [],
  );
  return [...new Set(digests.filter((digest): digest is string => typeof digest === 'string'))];
}
