/**
 * Ollama's response objects, built with the field order of its Go structs (GenerateResponse,
 * ChatResponse, Metrics), omitting zero metrics as Go's `omitempty` does, so the embedded engine's
 * bytes look like Ollama's.
 */

/** Nanosecond timings and token counts of one generation (Ollama's Metrics). */
export interface GenerationMetrics {
  totalNs: number;
  loadNs: number;
  promptEvalCount: number;
  promptEvalNs: number;
  evalCount: number;
  evalNs: number;
}

export type WireObject = Record<string, unknown>;

export function generateChunk(model: string, text: string): WireObject {
  return { model, created_at: now(), response: text, done: false };
}

export function chatChunk(model: string, text: string): WireObject {
  return { model, created_at: now(), message: { role: 'assistant', content: text }, done: false };
}

export function generateFinal(
  model: string,
  doneReason: string,
  context: number[],
  metrics: GenerationMetrics,
): WireObject {
  const head = { model, created_at: now(), response: '', done: true, done_reason: doneReason };
  return { ...head, ...(context.length > 0 ? { context } : {}), ...metricFields(metrics) };
}

export function chatFinal(model: string, doneReason: string, metrics: GenerationMetrics): WireObject {
  const head = {
    model,
    created_at: now(),
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: doneReason,
  };
  return { ...head, ...metricFields(metrics) };
}

/** The answer to a load (`done_reason: "load"`) or unload (`"unload"`) request. */
export function lifecycleAnswer(
  kind: 'generate' | 'chat',
  model: string,
  doneReason: 'load' | 'unload',
): WireObject {
  const body = kind === 'chat' ? { message: { role: 'assistant', content: '' } } : { response: '' };
  return { model, created_at: now(), ...body, done: true, done_reason: doneReason };
}

function metricFields(metrics: GenerationMetrics): WireObject {
  const fields: Array<[string, number]> = [
    ['total_duration', metrics.totalNs],
    ['load_duration', metrics.loadNs],
    ['prompt_eval_count', metrics.promptEvalCount],
    ['prompt_eval_duration', metrics.promptEvalNs],
    ['eval_count', metrics.evalCount],
    ['eval_duration', metrics.evalNs],
  ];
  return Object.fromEntries(
    fields.filter(([, value]) => value > 0).map(([key, value]) => [key, Math.round(value)]),
  );
}

function now(): string {
  return new Date().toISOString();
}
