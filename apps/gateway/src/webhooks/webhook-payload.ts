import { JobOutcome } from '@gridllm/scheduler';

/** What a callback carries: the job's outcome, as GET /inference/:id/result would show it, plus usage and timings. */
export interface WebhookPayload {
  id: string;
  status: 'completed' | 'failed' | 'cancelled';
  model: string;
  workerId?: string;
  result?: Record<string, unknown>;
  error?: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  timings: {
    submittedAt?: string;
    startedAt?: string;
    finishedAt?: string;
    /** Engine-reported nanoseconds (Ollama's), when the job completed. */
    total_duration?: number;
    load_duration?: number;
    prompt_eval_duration?: number;
    eval_duration?: number;
  };
}

const count = (value: unknown) => (typeof value === 'number' ? value : 0);
const nanos = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** The payload of a finished job; null while it is queued or running. */
export function payloadOf(outcome: JobOutcome): WebhookPayload | null {
  if (outcome.state === 'queued' || outcome.state === 'active') return null;
  const result = outcome.result;
  const usage = result
    ? {
        prompt_tokens: count(result.prompt_eval_count),
        completion_tokens: count(result.eval_count),
        total_tokens: count(result.prompt_eval_count) + count(result.eval_count),
      }
    : null;
  return {
    id: outcome.id,
    status: outcome.state,
    model: outcome.model,
    workerId: outcome.workerId,
    result,
    error: outcome.error,
    usage,
    timings: {
      submittedAt: outcome.submittedAt,
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
      total_duration: nanos(result?.total_duration),
      load_duration: nanos(result?.load_duration),
      prompt_eval_duration: nanos(result?.prompt_eval_duration),
      eval_duration: nanos(result?.eval_duration),
    },
  };
}

/** The payload of a job whose record is gone before its end was seen (expired): reported as failed. */
export function gonePayload(jobId: string, model: string): WebhookPayload {
  return {
    id: jobId,
    status: 'failed',
    model,
    error: 'the job record expired before its outcome was delivered',
    usage: null,
    timings: {},
  };
}
