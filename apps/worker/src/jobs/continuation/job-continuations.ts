import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';
import { withLogIds } from '@gridllm/logging';
import { TakenJob } from '@gridllm/scheduler';

import { EngineError } from '../../engines/inference-engine';
import { jobLogIds } from '../job-log-ids';
import { Continuation, planResume } from './continuation';
import { EarlierOutputReader } from './earlier-output.reader';

/** The runner's way into continuation: for an opted-in re-run, how it goes on from the text so far. */
@Injectable()
export class JobContinuations {
  private readonly logger = new Logger(JobContinuations.name);

  constructor(
    private readonly earlier: EarlierOutputReader,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
  ) {}

  /**
   * The continuation to run instead of the request, or null to run it as it is. Throws (the job ends with
   * an error line) when the client has text that this job cannot be continued from: a fresh run would repeat it.
   */
  async prepare(taken: TakenJob, request: Record<string, unknown>): Promise<Continuation | null> {
    const { data } = taken.job;
    if (!data.continueOnFailure) return null;
    const attempt = Math.max(1, taken.job.attemptsStarted);
    const earlier = await this.earlier.read(data.id, attempt);
    const plan = planResume(data.kind, request, earlier, this.worker.workerId);
    if (plan.kind === 'refuse') {
      throw new EngineError(
        `worker ${earlier.lastWorkerId} failed mid-stream; not continued: ${plan.reason}`,
        502,
      );
    }
    if (plan.kind === 'fresh') return null;
    const { info } = plan.continuation;
    this.logger.warn(
      withLogIds(
        `job ${data.id}: continuing after worker ${info.from_worker} broke off (${info.after_chunks} chunks streamed)`,
        jobLogIds(data, this.worker.workerId),
      ),
    );
    return plan.continuation;
  }
}
