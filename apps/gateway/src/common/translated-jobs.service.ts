import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

import { InferenceJobData, JobFailedError, JobKind, OllamaChunk } from '@gridllm/contracts';
import { JobSchedulerService } from '@gridllm/scheduler';

import { JobOwners } from '../auth/job-owners';
import { InferenceMetrics } from '../metrics/inference-metrics.service';
import { logScopeOf } from '../logging/request-logging';
import { watchClient } from './inference-responder.service';
import { JobRelay } from './job-relay.service';
import { CollectingSink, JobSink } from './job-sink';
import { PlacementHeaderSink } from './placement-header';
import { sessionOf } from './session-name';
import { continuationRequested } from '../continuation/continue-option';
import { pendingRateCount } from '../limits/deferred-rate-check';

/**
 * The job side of the translated families (OpenAI, Responses, Anthropic): their requests become ordinary
 * chat, generate and embed jobs (queued, prioritised, metered, cancelled when the client leaves), and
 * their answers are made from the job's Ollama chunks, streamed through a sink or merged.
 */
@Injectable()
export class TranslatedJobs {
  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly relay: JobRelay,
    private readonly metrics: InferenceMetrics,
    private readonly owners: JobOwners,
  ) {}

  /** `user` is the family's end-user field (OpenAI's `user`): it names the session when the header does not. */
  submit(
    kind: JobKind,
    request: Record<string, unknown>,
    req: Request,
    user?: unknown,
  ): Promise<InferenceJobData> {
    const requestId = logScopeOf(req)?.requestId;
    const owner = this.owners.of(req);
    const continueOnFailure = continuationRequested(req);
    const session = sessionOf(req, user);
    return this.scheduler.submit({
      kind,
      model: String(request.model),
      request,
      requestId,
      owner,
      continueOnFailure,
      session,
      // The route's rate count (RateCheckedAtSubmit), made with the job's enqueue where it can be.
      charge: pendingRateCount(req),
    });
  }

  /** Relays the job's events through the family's streaming sink. */
  async stream(job: InferenceJobData, sink: JobSink, req: Request, res: Response): Promise<void> {
    res.setHeader('x-gridllm-job-id', job.id);
    const clientGone = watchClient(req, res);
    const placed = new PlacementHeaderSink(sink, job, res);
    await this.metrics.track(job, placed, (metered) =>
      this.relay.relay(job, metered, clientGone, logScopeOf(req)),
    );
  }

  /**
   * The job's merged answer; undefined when the client left. A failure is thrown, so the error filter
   * answers it in the family's shape with the job's status.
   */
  async collect(job: InferenceJobData, req: Request, res: Response): Promise<OllamaChunk | undefined> {
    res.setHeader('x-gridllm-job-id', job.id);
    const clientGone = watchClient(req, res);
    const sink = new CollectingSink(job.kind);
    const placed = new PlacementHeaderSink(sink, job, res);
    const end = await this.metrics.track(job, placed, (metered) =>
      this.relay.relay(job, metered, clientGone, logScopeOf(req)),
    );
    if (end === 'client-gone') return undefined;
    if (sink.workerId) res.setHeader('x-gridllm-worker', sink.workerId);
    if (sink.queueMs !== undefined) res.setHeader('x-gridllm-queue-ms', String(sink.queueMs));
    if (sink.failure) throw sink.failure;
    if (!sink.result) throw new JobFailedError('job ended without a result', 502);
    return sink.result;
  }
}
