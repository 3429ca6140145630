import { HttpTiming, jsonRequest } from './http-client';
import { Probe } from './scenarios';

/** The requests the benchmark sends, identical for the fixture and the gateway. */

const PROMPT = 'Why is the sky blue?';

function statusError(timing: HttpTiming): string | null {
  return timing.status === 200 ? null : `HTTP ${timing.status}: ${timing.body.slice(0, 200)}`;
}

function isDone(json: string): boolean {
  try {
    return (JSON.parse(json) as { done?: unknown }).done === true;
  } catch {
    return false;
  }
}

/** POST /api/generate with stream:false; keeps the time to the whole answer. */
export function generateOnce(model: string): Probe {
  return {
    spec: jsonRequest('/api/generate', { model, prompt: PROMPT, stream: false }),
    measure: (timing) => timing.totalMs,
    check: (timing) =>
      statusError(timing) ??
      (isDone(timing.body) ? null : `not a final answer: ${timing.body.slice(0, 200)}`),
  };
}

/** POST /api/generate streaming (the default); keeps the time to the first NDJSON line. */
export function generateFirstToken(model: string): Probe {
  return {
    spec: jsonRequest('/api/generate', { model, prompt: PROMPT }),
    measure: (timing) => timing.firstLineMs,
    check: (timing) => {
      const error = statusError(timing);
      if (error) return error;
      const lines = timing.body.trim().split('\n');
      if (lines.length < 2 || Number.isNaN(timing.firstLineMs))
        return `not a stream: ${timing.body.slice(0, 200)}`;
      return isDone(lines[lines.length - 1] ?? '') ? null : 'stream ended without done:true';
    },
  };
}

/** GET /api/tags: the models list (no job); on the gateway it passes every guard. */
export function listModels(): Probe {
  return {
    spec: { method: 'GET', path: '/api/tags' },
    measure: (timing) => timing.totalMs,
    check: statusError,
  };
}

/** GET /api/version: the HTTP floor of each side (the gateway also reads the worker list from Redis). */
export function version(): Probe {
  return {
    spec: { method: 'GET', path: '/api/version' },
    measure: (timing) => timing.totalMs,
    check: statusError,
  };
}
