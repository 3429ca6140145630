import { Injectable } from '@nestjs/common';

import { InferenceJobData, JobKind } from '@gridllm/contracts';
import { MetricsRegistry } from '@gridllm/observability';

import type { RelayEnd } from '../common/job-relay.service';
import { JobSink } from '../common/job-sink';
import { MeteredSink } from './metered-sink';

/** How a relayed job ended, as `gridllm_jobs_total` counts it. */
export type JobOutcomeLabel = 'completed' | 'failed' | 'cancelled' | 'timed_out';

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Kinds that generate tokens (embed and show answer one object). */
const GENERATING = new Set<JobKind>([JobKind.Generate, JobKind.Chat]);

/**
 * Metrics of the inference requests this gateway answers: outcome, queue wait, time to first token and
 * tokens generated, per model (a bounded label: only models some worker served get a job).
 */
@Injectable()
export class InferenceMetrics {
  private readonly jobs;
  private readonly queueWait;
  private readonly firstToken;
  private readonly tokens;
  private readonly prefixLookups;

  constructor(metrics: MetricsRegistry) {
    this.jobs = metrics.counter({
      name: 'gridllm_jobs_total',
      help: 'Inference jobs answered by this gateway, by model and outcome',
      labelNames: ['model', 'outcome'] as const,
    });
    this.queueWait = metrics.histogram({
      name: 'gridllm_queue_wait_seconds',
      help: 'Time a job waited in the queue until a worker took it',
      labelNames: ['model'] as const,
      buckets: LATENCY_BUCKETS,
    });
    this.firstToken = metrics.histogram({
      name: 'gridllm_time_to_first_token_seconds',
      help: 'Time from accepting a generate/chat job to relaying its first chunk',
      labelNames: ['model'] as const,
      buckets: LATENCY_BUCKETS,
    });
    this.prefixLookups = metrics.counter({
      name: 'gridllm_prefix_affinity_total',
      help: 'Jobs with a fingerprinted prompt prefix: hit = run by the worker that held the longest prefix',
      labelNames: ['model', 'outcome'] as const,
    });
    this.tokens = metrics.counter({
      name: 'gridllm_tokens_generated_total',
      help: 'Tokens generated (eval_count of the final chunk) for generate/chat jobs, by model',
      labelNames: ['model'] as const,
    });
  }

  /** Runs `relay` on a metered wrapper of `sink` and records how the job went. */
  async track(
    job: Pick<InferenceJobData, 'model' | 'kind' | 'submittedAt' | 'affinity'>,
    sink: JobSink,
    relay: (sink: JobSink) => Promise<RelayEnd>,
  ): Promise<RelayEnd> {
    const metered = new MeteredSink(sink);
    let end: RelayEnd | undefined;
    try {
      end = await relay(metered);
      return end;
    } finally {
      this.record(job, metered, end);
    }
  }

  private record(
    job: Pick<InferenceJobData, 'model' | 'kind' | 'submittedAt' | 'affinity'>,
    sink: MeteredSink,
    end: RelayEnd | undefined,
  ): void {
    const model = job.model;
    if (job.affinity?.prefix?.length && sink.workerId) {
      const { preferred } = job.affinity;
      const hit = preferred?.reason === 'prefix' && preferred.workerId === sink.workerId;
      this.prefixLookups.inc({ model, outcome: hit ? 'hit' : 'miss' });
    }
    this.jobs.inc({ model, outcome: outcomeOf(end, sink.completed) });
    if (sink.queueMs !== undefined) this.queueWait.observe({ model }, sink.queueMs / 1000);
    if (!GENERATING.has(job.kind)) return;
    if (sink.firstChunkAt !== undefined) {
      this.firstToken.observe({ model }, Math.max(0, sink.firstChunkAt - job.submittedAt) / 1000);
    }
    if (sink.evalCount !== undefined) this.tokens.inc({ model }, sink.evalCount);
  }
}

/** `end` is undefined when the relay threw. */
export function outcomeOf(end: RelayEnd | undefined, completed: boolean): JobOutcomeLabel {
  switch (end) {
    case 'client-gone':
      return 'cancelled';
    case 'timed-out':
      return 'timed_out';
    case 'finished':
      return completed ? 'completed' : 'failed';
    default:
      return 'failed';
  }
}
