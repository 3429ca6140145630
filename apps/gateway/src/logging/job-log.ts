import { LogContext } from '@gridllm/logging';

// A token count in the final chunk's own JSON, not inside an escaped string of generated text.
const EVAL_COUNT = /(?<!\\)"eval_count"\s*:\s*(\d+)/;

/** What the relay tells the current request's log scope about its job; no-ops outside a request. */
export const JobLog = {
  /** The job this request submitted or reads. */
  job(jobId: string): void {
    LogContext.assign({ jobId });
  },

  /** The first start counts for queue time; a re-run after a failover only changes the worker. */
  started(submittedAt: number, workerId: string): void {
    const scope = LogContext.current();
    if (!scope) return;
    scope.workerId = workerId;
    scope.queueMs ??= Math.max(0, Date.now() - submittedAt);
  },

  finished(finalChunk: string): void {
    const match = EVAL_COUNT.exec(finalChunk);
    if (match) LogContext.assign({ tokens: Number(match[1]) });
  },
};
