/** One POST of a callback, as /inference/:id/status shows it. */
export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; absent when there was no answer (timeout, refused, SSRF guard). */
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/** A callback's state: waiting for its job to end, being delivered, or done either way. */
export type DeliveryState = 'waiting-for-job' | 'retrying' | 'delivered' | 'gave-up';

/** What the webhook queue's job (id = the inference job's id) holds. No secret: it is looked up per attempt. */
export interface WebhookJobData {
  jobId: string;
  model: string;
  url: string;
  /** The key whose webhook secret signs the callback; absent: WEBHOOK_SECRET signs. */
  keyId?: string;
  registeredAt: number;
  state: DeliveryState;
  /** Frozen when the job's end is first seen: every retry sends the same bytes (a fresh timestamp and signature). */
  payload?: string;
  attempts: DeliveryAttempt[];
  /** Attempts made, including any dropped from `attempts` (only the latest are kept). */
  attemptCount: number;
  firstAttemptAt?: number;
  nextAttemptAt?: number;
}

/** Attempts kept in the history; the count goes on. */
export const KEPT_ATTEMPTS = 30;
const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * How soon to look again whether a job has ended: a tenth of its age, between 250 ms and 15 s. Short
 * jobs are called back quickly; a job that runs for hours costs one look every 15 s.
 */
export function pollDelayMs(ageMs: number): number {
  return Math.min(15_000, Math.max(250, Math.round(ageMs / 10)));
}

/** Exponential backoff: the first retry after `firstRetryMs`, each next one twice as late, at most an hour. */
export function retryDelayMs(failures: number, firstRetryMs: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, firstRetryMs * 2 ** Math.max(0, failures - 1));
}

/** After a failed attempt: when to try again, or null when the retry window is used up. */
export function nextAttemptAt(
  data: Pick<WebhookJobData, 'attemptCount' | 'firstAttemptAt'>,
  now: number,
  settings: { firstRetryMs: number; retryWindowMs: number },
): number | null {
  const next = now + retryDelayMs(data.attemptCount, settings.firstRetryMs);
  const windowEnd = (data.firstAttemptAt ?? now) + settings.retryWindowMs;
  if (now >= windowEnd) return null;
  return Math.min(next, windowEnd);
}

/** Whether an answer counts as delivered: any 2xx. A redirect is not followed and is a failure. */
export function delivered(statusCode: number | undefined): boolean {
  return statusCode !== undefined && statusCode >= 200 && statusCode < 300;
}
