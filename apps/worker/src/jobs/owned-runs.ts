import { JobStreamAppender } from '@gridllm/streaming';

/**
 * The runs that own their job's token stream on this worker, with their fences, for the lock renewals
 * (StreamOwnership.renew). A run stops counting as soon as the batch holding its terminal line is on its
 * way: that batch deletes the owner key, so a renewal Redis runs after it finds the key gone. Taken for a
 * lost job, that answer aborted a run whose answer was already stored whenever it came back before the
 * batch's own reply (two connections: either reply may be read first). A run that really lost the key
 * learns it from that batch, which Redis refuses (FENCED).
 */
export class OwnedRuns {
  private readonly runs = new Map<string, { fence: string; appender: JobStreamAppender }>();

  add(jobId: string, fence: string, appender: JobStreamAppender): void {
    this.runs.set(jobId, { fence, appender });
  }

  delete(jobId: string): void {
    this.runs.delete(jobId);
  }

  /** The run's fence, or '' when no run owns the job here. */
  fenceOf(jobId: string): string {
    return this.runs.get(jobId)?.fence ?? '';
  }

  /** The runs whose owner key a renewal should extend: those not yet ending. */
  renewable(): Array<{ jobId: string; fence: string }> {
    const renewable: Array<{ jobId: string; fence: string }> = [];
    for (const [jobId, { fence, appender }] of this.runs)
      if (!appender.ending) renewable.push({ jobId, fence });
    return renewable;
  }

  /** Whether a renewal that found the job's owner key not its run's means another run has the job. */
  lost(jobId: string): boolean {
    const run = this.runs.get(jobId);
    return run !== undefined && !run.appender.ending;
  }
}
