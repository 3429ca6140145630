import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation ids every log line of a request or job carries (never content: no prompts, no keys). */
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

/** Keys of a scope that are stamped on every log line written inside it. */
export const LOG_ID_KEYS: ReadonlyArray<keyof LogIds> = ['requestId', 'jobId', 'workerId'];

const storage = new AsyncLocalStorage<LogScope>();

/**
 * The log scope of the current request or job, carried by AsyncLocalStorage so services log
 * `requestId`/`jobId`/`workerId` without passing them around.
 */
export const LogContext = {
  /** Runs `fn` (and everything it starts) inside `scope`; the scope object is shared, not copied. */
  run<T>(scope: LogScope, fn: () => T): T {
    return storage.run(scope, fn);
  },

  /** The current scope, or undefined outside any request or job. */
  current(): LogScope | undefined {
    return storage.getStore();
  },

  /** Adds fields to the current scope (seen by later lines and the access log); no-op outside one. */
  assign(fields: LogScope): void {
    const scope = storage.getStore();
    if (scope) Object.assign(scope, fields);
  },

  /** Only the correlation ids of the current scope, without undefined values. */
  ids(): LogIds {
    const scope = storage.getStore();
    const ids: LogIds = {};
    for (const key of LOG_ID_KEYS) if (scope?.[key] !== undefined) ids[key] = scope[key];
    return ids;
  },
};
