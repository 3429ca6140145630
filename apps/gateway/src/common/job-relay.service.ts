import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig, queueConfig } from '@gridllm/config';

import { InferenceJobData, JobTimeoutError, StreamErrorData, StreamEventType } from '@gridllm/contracts';
import { LogScope, logIdsOf, withLogIds } from '@gridllm/logging';
import { JobSchedulerService } from '@gridllm/scheduler';
import { AbortSource, OneTimeAbort, TokenStreamReader } from '@gridllm/streaming';

import { ResumptionGate } from '../continuation/resumption-gate';
import { JobLog } from '../logging/job-log';
import { GatewayDrain, SHUTDOWN_MESSAGE } from '../shutdown/gateway-drain.service';
import { abortWhenAny } from './abort-link';
import { JobSink } from './job-sink';
import { JobWatchdog } from './job-watchdog';

/** What the relay needs of a job. */
export type RelayedJob = Pick<
  InferenceJobData,
  'id' | 'deadlineAt' | 'submittedAt' | 'ownerGatewayId' | 'continueOnFailure'
>;

/** How a relay ended, for the caller that must still answer the client. */
export type RelayEnd = 'finished' | 'client-gone' | 'timed-out' | 'shut-down';

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
    private readonly drain: GatewayDrain,
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
  ) {}

  /** `log` is the request's log scope: the relay adds the job, its worker, queue time and tokens to it. */
  async relay(
    job: RelayedJob,
    sink: JobSink,
    clientGone: AbortSource,
    log: LogScope | undefined,
    afterId = '0',
  ): Promise<RelayEnd> {
    // One stop ends the read, whichever of client, watchdog or shutdown comes first.
    const stop = new OneTimeAbort();
    const watchdog = new JobWatchdog(
      job.deadlineAt,
      job.deadlineAt - job.submittedAt,
      this.settings.firstTokenTimeoutMs,
      this.settings.stallTimeoutMs,
      stop,
    );
    const unlink = abortWhenAny(stop, [clientGone, this.drain.deadline]);
    let attempt = 0;
    let workerId = '';
    const resumption = new ResumptionGate(job.continueOnFailure === true);
    JobLog.job(log, job.id);
    try {
      // Joined: consecutive lines stored together reach the sink together (one call, one write for NDJSON).
      for await (const batch of this.reader.batches(job.id, afterId, stop, true)) {
        for (const event of batch) {
          // Stopped mid-batch: the read ends at the next turn of the loop, the rest is not relayed.
          if (stop.aborted) break;
          if (event.attempt > 0 && event.attempt < attempt) continue;
          // A new attempt means the previous worker died or lost the job: continue transparently unless
          // the client already saw output from it (never duplicate text, never truncate silently).
          // An opted-in job resumes on the new attempt from the text streamed so far (the worker continues it).
          const resumes = event.attempt > attempt && attempt > 0 && resumption.resumes();
          if (event.attempt > attempt && attempt > 0 && !resumes && !sink.restart()) {
            sink.failed({ error: `worker ${workerId} failed mid-stream`, status: 502 });
            await this.scheduler.cancelQuietly(job.id);
            return 'finished';
          }
          attempt = Math.max(attempt, event.attempt);
          switch (event.type) {
            case StreamEventType.Started: {
              workerId = event.data;
              // A merged answer's worker holds `started` with its lines: the job started that much earlier.
              const queueMs = Math.max(0, Date.now() - (event.heldMs ?? 0) - job.submittedAt);
              JobLog.started(log, queueMs, workerId);
              sink.workerAssigned(workerId, queueMs);
              watchdog.started();
              break;
            }
            case StreamEventType.Chunk:
              resumption.chunkSeen(event.attempt);
              watchdog.progressed();
              // `lines` is set only on an event holding several.
              if (event.lines) sink.chunks(event.data);
              else sink.chunk(event.data);
              break;
            case StreamEventType.Final:
              JobLog.finished(log, event.data);
              sink.final(event.data);
              return 'finished';
            case StreamEventType.Error:
              sink.failed(JSON.parse(event.data) as StreamErrorData);
              return 'finished';
          }
        }
      }
      if (this.drain.deadline.aborted && !clientGone.aborted) return this.shutDown(job, sink, log);
      return this.abandon(job, sink, clientGone.aborted, watchdog.expired);
    } finally {
      watchdog.dispose();
      unlink();
    }
  }

  /**
   * The gateway's shutdown grace period is over: the client gets the family's error (a line once
   * streaming). The job is cancelled when it is this gateway's own; a detached (async) job, or one a
   * client of another gateway waits for, runs on.
   */
  private async shutDown(job: RelayedJob, sink: JobSink, log: LogScope | undefined): Promise<RelayEnd> {
    this.logger.warn(
      withLogIds(`job ${job.id}: still running at the end of the shutdown grace period`, logIdsOf(log)),
    );
    // Cancel before answering: the answer lets the shutdown go on to close Redis.
    if (job.ownerGatewayId === this.gateway.serverId) await this.scheduler.cancelQuietly(job.id);
    sink.failed({ error: SHUTDOWN_MESSAGE, status: 503 });
    return 'shut-down';
  }

  /** The client left or a deadline passed: cancel the job so no engine works for nobody. */
  private async abandon(
    job: RelayedJob,
    sink: JobSink,
    clientLeft: boolean,
    expired: JobTimeoutError | null,
  ): Promise<RelayEnd> {
    await this.scheduler.cancelQuietly(job.id);
    if (clientLeft || !expired) {
      this.logger.log(`job ${job.id}: client disconnected, cancelled`);
      return 'client-gone';
    }
    const setting = {
      total: 'DEFAULT_JOB_TIMEOUT',
      'first-token': 'FIRST_TOKEN_TIMEOUT',
      stall: 'STALL_TIMEOUT',
    }[expired.phase];
    sink.failed({ error: `${expired.message}: ${setting}`, status: expired.status });
    return 'timed-out';
  }
}
