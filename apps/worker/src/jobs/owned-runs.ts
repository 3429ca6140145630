import { JobStreamAppender } from '@gridllm/streaming';

/**
 * The runs that own their job's token stream on this worker, with their fences, for the lock renewals
 * (StreamOwnership.renew). The batch holding a run's terminal line deletes the owner key, so a renewal Redis
 * runs after it finds the key gone and answers "not yours". Taken for a lost job, that answer aborted a run
 * whose answer was already stored whenever it came back before the batch's own reply (two connections:
 * either reply may be read first). So once that batch is on its way, "not yours" is the run's own doing. A
 * run that really lost the key learns it from that batch, which Redis refuses (FENCED). Ending runs are still
 * renewed: a slow terminal batch must not find its key lapsed (a renewal of a deleted key changes nothing).
 */
export class OwnedRuns {
  private readonly runs = new Map<string, { fence: string; appender: JobStreamAppender }>();

  add(jobId: string, fence: string, appender: JobStreamAppender): void {
    this.runs.set(jobId, { fence, appender });
  }

  /** Forgets the run holding `fence`; a later run of the same job that claimed it since stays. */
  delete(jobId: string, fence: string): void {
    if (this.runs.get(jobId)?.fence === fence) this.runs.delete(jobId);
  }

  /** The run's fence, or '' when no run owns the job here. */
  fenceOf(jobId: string): string {
    return this.runs.get(jobId)?.fence ?? '';
  }

  /** Every run's job and fence, for a renewal. */
  renewable(): Array<{ jobId: string; fence: string }> {
    return [...this.runs].map(([jobId, { fence }]) => ({ jobId, fence }));
  }

  /** Whether a renewal that found the job's owner key not its run's means another run has the job. */
  lost(jobId: string): boolean {
    const run = this.runs.get(jobId);
    return run !== undefined && !run.appender.ending;
  }
}
