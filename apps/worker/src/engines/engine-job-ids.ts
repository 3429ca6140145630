/**
 * The job a run's abort signal belongs to. A run tags the signal it hands its engine, and the engine's
 * HTTP client names the job to the engine (X-GridLLM-Job-Id) from it, so the engine interface needs no
 * job argument and nothing carries async context (see logIdsOf).
 */
const jobIds = new WeakMap<AbortSignal, string>();

export const EngineJobIds = {
  tag(signal: AbortSignal, jobId: string): void {
    jobIds.set(signal, jobId);
  },

  of(signal: AbortSignal | undefined): string | undefined {
    return signal && jobIds.get(signal);
  },
};
