/** Correlation ids a log line of a request or job carries (never content: no prompts, no keys). */
export interface LogIds {
  requestId?: string;
  jobId?: string;
  workerId?: string;
}

/** The ids plus what the gateway's access log reports once the request ends. */
export interface LogScope extends LogIds {
  /** Ms from submit until a worker started the job, as this gateway saw it. */
  queueMs?: number;
  /** `eval_count` of the final chunk. */
  tokens?: number;
}

/** Keys of a scope that are correlation ids (the rest are the access log's figures). */
export const LOG_ID_KEYS: ReadonlyArray<keyof LogIds> = ['requestId', 'jobId', 'workerId'];

/**
 * Only the correlation ids of `scope`, without undefined values.
 *
 * Scopes are handed on explicitly (a request's lives on its response, a job's ids go with its run), not
 * carried by AsyncLocalStorage: on Node 20 an active AsyncLocalStorage runs promise hooks on every promise
 * of the process, which cost about 7 % of the CPU of a request and 15 % of a relayed token (issue 15).
 */
export function logIdsOf(scope: LogScope | undefined): LogIds {
  const ids: LogIds = {};
  for (const key of LOG_ID_KEYS) if (scope?.[key] !== undefined) ids[key] = scope[key];
  return ids;
}

/**
 * A Nest `Logger` message whose line carries `ids` as fields: nest-winston spreads an object message into
 * the line (`logger.warn(withLogIds('job x: failed', ids))`).
 */
export function withLogIds(message: string, ids: LogIds): LogIds & { message: string } {
  return { ...logIdsOf(ids), message };
}
