import { Injectable, Logger } from '@nestjs/common';

import { InferenceJobData, JobTimeoutError, StreamErrorData, StreamEventType } from '@gridllm/contracts';
import { JobSchedulerService } from '@gridllm/scheduler';
import { TokenStreamReader } from '@gridllm/streaming';

import { JobSink } from './job-sink';

/** What the relay needs of a job. */
export type RelayedJob = Pick<InferenceJobData, 'id' | 'deadlineAt' | 'submittedAt'>;

/** How a relay ended, for the caller that must still answer the client. */
export type RelayEnd = 'finished' | 'client-gone' | 'timed-out';

/**
 * Moves one job's token stream to a sink: events in order, from the stream's start (or after an id),
 * dropping events of superseded attempts. A job that re-starts on another worker after the client has
 * seen output ends with an error line instead of duplicating text.
 */
@Injectable()
export class JobRelay {
  private readonly logger = new Logger(JobRelay.name);

  constructor(
    private readonly reader: TokenStreamReader,
    private readonly scheduler: JobSchedulerService,
  ) {}

  async relay(job: RelayedJob, sink: JobSink, clientGone: AbortSignal, afterId = '0'): Promise<RelayEnd> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), Math.max(0, job.deadlineAt - Date.now()));
    const signal = AbortSignal.any([clientGone, timeout.signal]);
    let attempt = 0;
    let workerId = '';
    try {
      for await (const event of this.reader.events(job.id, afterId, signal)) {
        if (event.attempt > 0 && event.attempt < attempt) continue;
        // A new attempt means the previous worker died or lost the job: continue transparently unless
        // the client already saw output from it (never duplicate text, never truncate silently).
        if (event.attempt > attempt && attempt > 0 && !sink.restart()) {
          sink.failed({ error: `worker ${workerId} failed mid-stream`, status: 502 });
          await this.scheduler.cancelQuietly(job.id);
          return 'finished';
        }
        attempt = Math.max(attempt, event.attempt);
        switch (event.type) {
          case StreamEventType.Started:
            workerId = event.data;
            sink.workerAssigned(workerId);
            break;
          case StreamEventType.Chunk:
            sink.chunk(event.data);
            break;
          case StreamEventType.Final:
            sink.final(event.data);
            return 'finished';
          case StreamEventType.Error:
            sink.failed(JSON.parse(event.data) as StreamErrorData);
            return 'finished';
        }
      }
      return this.abandon(job, sink, clientGone.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The client left or the deadline passed: cancel the job so no engine works for nobody. */
  private async abandon(job: RelayedJob, sink: JobSink, clientLeft: boolean): Promise<RelayEnd> {
    const jobId = job.id;
    await this.scheduler.cancelQuietly(jobId);
    if (clientLeft) {
      this.logger.log(`job ${jobId}: client disconnected, cancelled`);
      return 'client-gone';
    }
    const error = new JobTimeoutError('total', job.deadlineAt - job.submittedAt);
    sink.failed({ error: `${error.message}: DEFAULT_JOB_TIMEOUT`, status: error.status });
    return 'timed-out';
  }
}
