import { LogScope } from '@gridllm/logging';

// A token count in the final chunk's own JSON, not inside an escaped string of generated text.
const EVAL_COUNT = /(?<!\\)"eval_count"\s*:\s*(\d+)/;

/** What the relay tells a request's log scope (its access line) about its job; no-ops without a scope. */
export const JobLog = {
  /** The job this request submitted or reads. */
  job(scope: LogScope | undefined, jobId: string): void {
    if (scope) scope.jobId = jobId;
  },

  /** The first start counts for queue time; a re-run after a failover only changes the worker. */
  started(scope: LogScope | undefined, queueMs: number, workerId: string): void {
    if (!scope) return;
    scope.workerId = workerId;
    scope.queueMs ??= queueMs;
  },

  finished(scope: LogScope | undefined, finalChunk: string): void {
    const match = EVAL_COUNT.exec(finalChunk);
    if (scope && match) scope.tokens = Number(match[1]);
  },
};
