import { JobKind } from '@gridllm/contracts';

import type { FinishedJob } from './dashboard-frame';
import type { JobRecord } from './grid-sampler';

const GENERATING = new Set<string>([JobKind.Generate, JobKind.Chat]);
const CANCELLED = 'request canceled';
const NS_PER_MS = 1e6;
/** The list keeps 300 records: an engine's long error text must not make the key large. */
const ERROR_CHARS = 200;

/**
 * A finished job as the dashboard lists it, from its BullMQ record and the last event of its token
 * stream (which carries the status the client got). TTFT is the queue wait plus the engine's own load
 * and prompt times from the final chunk: what the client waited before the first token, without a
 * timestamp per chunk.
 */
export function finishedRecord(
  id: string,
  model: string,
  record: JobRecord,
  failed: boolean,
  lastEvent: string | null,
  finishedAt: number,
): FinishedJob {
  const submittedAt = record.data?.submittedAt ?? record.processedOn ?? finishedAt;
  const queueMs = record.processedOn !== null ? Math.max(0, record.processedOn - submittedAt) : null;
  const response = record.returnvalue?.response ?? {};
  const kind = record.data?.kind ?? 'unknown';
  const error = failed ? (record.failedReason ?? 'failed').slice(0, ERROR_CHARS) : null;
  const outcome = !failed ? 'completed' : error === CANCELLED ? 'cancelled' : 'failed';
  return {
    id,
    model,
    kind,
    outcome,
    status: failed ? (statusOf(lastEvent) ?? (outcome === 'cancelled' ? 499 : 500)) : 200,
    error,
    workerId: record.returnvalue?.workerId ?? record.processedBy,
    ownerId: record.data?.ownerId ?? null,
    latencyMs: Math.max(0, (record.finishedOn ?? finishedAt) - submittedAt),
    queueMs,
    ttftMs: !failed && GENERATING.has(kind) && queueMs !== null ? queueMs + engineWaitMs(response) : null,
    tokens: countOf(response.eval_count),
    finishedAt: record.finishedOn ?? finishedAt,
  };
}

function engineWaitMs(response: Record<string, unknown>): number {
  const ns = (countOf(response.load_duration) ?? 0) + (countOf(response.prompt_eval_duration) ?? 0);
  return Math.round(ns / NS_PER_MS);
}

function countOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** `status` of a stream error event's data (`{"error":"…","status":504}`). */
function statusOf(data: string | null): number | null {
  if (!data) return null;
  try {
    const status = (JSON.parse(data) as { status?: unknown }).status;
    return typeof status === 'number' && status >= 400 && status < 600 ? status : null;
  } catch {
    return null;
  }
}
