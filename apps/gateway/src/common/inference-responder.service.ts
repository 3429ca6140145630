import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

import { InferenceJobData, OllamaChunk } from '@gridllm/contracts';
import { AbortSource, OneTimeAbort } from '@gridllm/streaming';

import { InferenceMetrics } from '../metrics/inference-metrics.service';
import { logScopeOf } from '../logging/request-logging';
import { JobRelay } from './job-relay.service';
import { sendJson } from './json-answer';
import { CollectingSink, NdjsonSink } from './job-sink';
import { PlacementHeaderSink } from './placement-header';

/** Shapes the merged answer of a `stream:false` request (the native API wraps it with the job id). */
export type ResultShaper = (result: OllamaChunk, workerId: string | undefined) => object;

const asIs: ResultShaper = (result) => result;

/** Answers an HTTP request from a submitted job: an NDJSON stream, or the one merged JSON object. */
@Injectable()
export class InferenceResponder {
  constructor(
    private readonly relay: JobRelay,
    private readonly metrics: InferenceMetrics,
  ) {}

  async respond(
    job: InferenceJobData,
    stream: boolean,
    req: Request,
    res: Response,
    shape = asIs,
  ): Promise<void> {
    res.setHeader('x-gridllm-job-id', job.id);
    const clientGone = watchClient(req, res);
    if (stream) {
      const sink = new PlacementHeaderSink(new NdjsonSink(res), job, res);
      await this.metrics.track(job, sink, (metered) =>
        this.relay.relay(job, metered, clientGone, logScopeOf(req)),
      );
      return;
    }
    const sink = new CollectingSink(job.kind);
    const placed = new PlacementHeaderSink(sink, job, res);
    const end = await this.metrics.track(job, placed, (metered) =>
      this.relay.relay(job, metered, clientGone, logScopeOf(req)),
    );
    if (end === 'client-gone') return;
    if (sink.workerId) res.setHeader('x-gridllm-worker', sink.workerId);
    if (sink.queueMs !== undefined) res.setHeader('x-gridllm-queue-ms', String(sink.queueMs));
    if (sink.failure || !sink.result) {
      const status = sink.failure?.status ?? 502;
      sendJson(res, { error: sink.failure?.message ?? 'job ended without a result' }, status);
      return;
    }
    sendJson(res, shape(sink.result, sink.workerId));
  }
}

/** Aborts when the client disconnects before the response is complete. */
export function watchClient(req: Request, res: Response): AbortSource {
  const departure = new OneTimeAbort();
  const onClose = () => {
    if (!res.writableFinished) departure.abort();
  };
  res.once('close', onClose);
  req.once('aborted', onClose);
  return departure;
}
