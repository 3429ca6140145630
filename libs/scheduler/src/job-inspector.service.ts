import { Injectable } from '@nestjs/common';

import {
  BULLMQ_PRIORITY,
  InferenceJobResult,
  JOB_PRIORITIES,
  JobNotFinishedError,
  JobNotFoundError,
  JobPriority,
  JobState,
  PreferredWorker,
} from '@gridllm/contracts';

import { RedisClient } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';

import { placementOf } from './affinity/placement-reason';
import { EVERY_JOB, JobSchedulerService, JobVisibility } from './job-scheduler.service';

/** A job as the native API shows it. */
export interface JobDescription {
  id: string;
  model: string;
  kind?: string;
  state: JobState;
  priority?: JobPriority;
  workerId?: string;
  /** Why that worker took it: `session`, `prefix; chars=N` or `order` (see docs/scheduling.md). */
  placement?: string;
  /** The worker the job was meant for, if it could take it within the affinity delay, and why. */
  preferred?: PreferredWorker;
  submittedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

/** Where a queued job stands: exact position among waiting jobs (0 = next) and an estimate of its start. */
export interface QueuePosition {
  position: number;
  etaMs: number | null;
}

export interface JobOutcome extends JobDescription {
  queue?: QueuePosition;
  result?: InferenceJobResult['response'];
}

export interface QueueDepth {
  model: string;
  waiting: Record<JobPriority, number>;
  active: number;
}

const iso = (epochMs: number | undefined) => (epochMs ? new Date(epochMs).toISOString() : undefined);

/** Read side of the queues for the native API: job state, results, depths. */
@Injectable()
export class JobInspector {
  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly client: RedisClient,
    private readonly registry: WorkerRegistry,
  ) {}

  /** A job `visible` rejects is answered as unknown; a gone one (cancelled while queued) only shows its state. */
  async describe(jobId: string, visible: JobVisibility = EVERY_JOB): Promise<JobOutcome> {
    const model = await this.scheduler.modelOf(jobId);
    if (!model) throw new JobNotFoundError(jobId);
    const queue = this.scheduler.queueFor(model);
    // The state before the record: a job that finishes between the two reads then shows as still running
    // (asked again, finished), never as finished without the result its completion stored with the state.
    const bullState = await queue.getJobState(jobId);
    const job = await queue.getJob(jobId);
    if (!job) return this.describeGone(jobId, model);
    if (!visible(job.data)) throw new JobNotFoundError(jobId);
    const cancelled = await this.scheduler.wasCancelled(jobId);
    const state = toJobState(bullState, cancelled);
    const workerId = job.returnvalue?.workerId ?? job.processedBy ?? undefined;
    return {
      id: jobId,
      model: job.data.model,
      kind: job.data.kind,
      state,
      priority: effectivePriority(job.priority) ?? job.data.priority,
      workerId,
      placement: workerId ? placementOf(job.data, workerId) : undefined,
      preferred: job.data.affinity?.preferred,
      submittedAt: iso(job.data.submittedAt),
      startedAt: iso(job.processedOn),
      finishedAt: iso(job.finishedOn),
      error: state === 'failed' || state === 'cancelled' ? job.failedReason || 'request canceled' : undefined,
      result: state === 'completed' ? job.returnvalue?.response : undefined,
      queue: state === 'queued' ? await this.position(job.data.model, jobId) : undefined,
    };
  }

  /**
   * Exact position among the model's waiting jobs with ZRANK on BullMQ's prioritised set (O(log n)),
   * and an ETA from the model's recent run times and the slots of the live workers serving it.
   */
  async position(model: string, jobId: string): Promise<QueuePosition | undefined> {
    const queue = this.scheduler.queueFor(model);
    const { redis, keys } = this.client;
    const [rank, samples, workerIds] = await Promise.all([
      redis.zrank(queue.keys.prioritized, jobId),
      redis.lrange(keys.jobDurations(model), 0, -1),
      this.registry.workerIdsFor(model),
    ]);
    if (rank === null) return undefined;
    const workers = await Promise.all(workerIds.map((id) => this.registry.get(id)));
    const slots = workers.reduce((sum, worker) => sum + (worker?.slots ?? 0), 0);
    const average =
      samples.length > 0 ? samples.reduce((sum, s) => sum + Number(s), 0) / samples.length : null;
    const etaMs = average !== null && slots > 0 ? Math.round(average * Math.ceil((rank + 1) / slots)) : null;
    return { position: rank, etaMs };
  }

  /** The finished job's outcome; throws JobNotFinishedError while it is queued or running. */
  async outcome(jobId: string, visible: JobVisibility = EVERY_JOB): Promise<JobOutcome> {
    const outcome = await this.describe(jobId, visible);
    if (outcome.state === 'queued' || outcome.state === 'active')
      throw new JobNotFinishedError(jobId, outcome.state);
    return outcome;
  }

  async depths(): Promise<QueueDepth[]> {
    const models = await this.scheduler.knownModels();
    return Promise.all(
      models.map(async (model) => {
        const queue = this.scheduler.queueFor(model);
        const [perPriority, counts] = await Promise.all([
          queue.getCountsPerPriority(JOB_PRIORITIES.map((priority) => BULLMQ_PRIORITY[priority])),
          queue.getJobCounts('active'),
        ]);
        const waiting = Object.fromEntries(
          JOB_PRIORITIES.map((priority) => [priority, perPriority[String(BULLMQ_PRIORITY[priority])] ?? 0]),
        ) as Record<JobPriority, number>;
        return { model, waiting, active: counts.active ?? 0 };
      }),
    );
  }

  /** A job whose BullMQ record is gone: cancelled while queued, or unknown. */
  private async describeGone(jobId: string, model: string): Promise<JobOutcome> {
    if (await this.scheduler.wasCancelled(jobId))
      return { id: jobId, model, state: 'cancelled', error: 'request canceled' };
    throw new JobNotFoundError(jobId);
  }
}

/** The priority the queue applies now: the requested one, or higher once aging promoted the job. */
function effectivePriority(bullPriority: number | undefined): JobPriority | undefined {
  return JOB_PRIORITIES.find((priority) => BULLMQ_PRIORITY[priority] === bullPriority);
}

function toJobState(bullState: string, cancelled: boolean): JobState {
  switch (bullState) {
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return cancelled ? 'cancelled' : 'failed';
    default:
      return cancelled ? 'cancelled' : 'queued';
  }
}
