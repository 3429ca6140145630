import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Request, Response } from 'express';

import { UsageLedger, UsageReport } from '@gridllm/access';
import { queueConfig } from '@gridllm/config';
import {
  InferenceJobData,
  InvalidRequestError,
  JobKind,
  JobNotFoundError,
  Principal,
  hasScope,
} from '@gridllm/contracts';
import { WorkerRegistry } from '@gridllm/registry';
import {
  EVERY_JOB,
  JobInspector,
  JobOutcome,
  JobSchedulerService,
  JobVisibility,
  QueueDepth,
} from '@gridllm/scheduler';

import { JobOwners } from '../auth/job-owners';
import { mayUse } from '../auth/access-rules';
import { PRIORITY_CAPPED_HEADER, cappedPriority, principalOf } from '../auth/principal';
import { JobRelay } from '../common/job-relay.service';
import { sessionOf } from '../common/session-name';
import { NdjsonSink } from '../common/job-sink';
import { InferenceResponder, watchClient } from '../common/inference-responder.service';
import { JobLog } from '../logging/job-log';
import { logScopeOf } from '../logging/request-logging';
import { CallbackPlan, JobWebhooks, WebhookStatus } from '../webhooks/job-webhooks.service';
import { InferenceRequestDto } from './dto/inference-request.dto';
import { continuationRequested } from '../continuation/continue-option';

/** Fields of the native request that are ours, not the engine's. */
const NATIVE_FIELDS = new Set(['priority', 'async', 'stream', 'callback_url', 'session']);

export interface ModelAvailability {
  model: string;
  freeSlots: number;
  workers: Array<{ id: string; freeSlots: number; loaded: boolean }>;
}

/** The native job API: submit (sync, streaming or async), inspect, stream, cancel. */
@Injectable()
export class NativeApiService {
  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly inspector: JobInspector,
    private readonly responder: InferenceResponder,
    private readonly relay: JobRelay,
    private readonly registry: WorkerRegistry,
    private readonly owners: JobOwners,
    private readonly usage: UsageLedger,
    private readonly webhooks: JobWebhooks,
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
  ) {}

  /** Returns the accepted job when `async`; otherwise answers on `res` itself and returns null. */
  async submit(dto: InferenceRequestDto, req: Request, res: Response): Promise<InferenceJobData | null> {
    const { priority, loweredFrom } = cappedPriority(dto.priority, principalOf(req));
    const callback = await this.webhooks.plan(dto.callback_url, dto.async === true, principalOf(req));
    if (loweredFrom) res.setHeader(PRIORITY_CAPPED_HEADER, `${loweredFrom}->${priority}`);
    const job = await this.scheduler.submit({
      kind: this.kindOf(dto),
      model: dto.model,
      request: engineRequest(dto),
      priority,
      retainSeconds: this.settings.resultTtlSeconds,
      detached: dto.async === true,
      requestId: logScopeOf(req)?.requestId,
      owner: this.owners.of(req),
      continueOnFailure: continuationRequested(req),
      session: sessionOf(req, dto.session),
    });
    if (dto.async === true) {
      JobLog.job(logScopeOf(req), job.id);
      if (callback) await this.scheduleCallback(job, callback);
      return job;
    }
    await this.responder.respond(job, dto.stream === true, req, res, (result, workerId) => ({
      id: job.id,
      status: 'completed',
      model: job.model,
      workerId,
      result,
    }));
    return null;
  }

  async status(jobId: string, req: Request): Promise<JobOutcome & { webhook?: WebhookStatus }> {
    const { result: _result, ...status } = await this.inspector.describe(jobId, visibleTo(principalOf(req)));
    const webhook = await this.webhooks.status(jobId);
    return webhook ? { ...status, webhook } : status;
  }

  /** A job whose callback could not be scheduled is taken back: the client was promised one. */
  private async scheduleCallback(job: InferenceJobData, callback: CallbackPlan): Promise<void> {
    try {
      await this.webhooks.schedule(job, callback);
    } catch (error) {
      await this.scheduler.cancelQuietly(job.id);
      throw error;
    }
  }

  async result(jobId: string, req: Request): Promise<JobOutcome> {
    return this.inspector.outcome(jobId, visibleTo(principalOf(req)));
  }

  /** The job's NDJSON from the start (or after an event id), then live until it ends. */
  async stream(jobId: string, afterId: string | undefined, req: Request, res: Response): Promise<void> {
    if (afterId !== undefined && !/^\d+(-\d+)?$/.test(afterId)) {
      throw new InvalidRequestError('after must be an event id such as 1-5');
    }
    const { job } = await this.scheduler.find(jobId);
    if (!visibleTo(principalOf(req))(job.data)) throw new JobNotFoundError(jobId);
    res.setHeader('x-gridllm-job-id', jobId);
    await this.relay.relay(
      job.data,
      new NdjsonSink(res),
      watchClient(req, res),
      logScopeOf(req),
      afterId ?? '0',
    );
  }

  async cancel(jobId: string, req: Request): Promise<{ id: string; status: string }> {
    const outcome = await this.scheduler.cancel(jobId, visibleTo(principalOf(req)));
    if (outcome === 'cancelled') return { id: jobId, status: 'cancelled' };
    return { id: jobId, status: (await this.inspector.describe(jobId)).state };
  }

  /** Self-service: what the caller's credential allows and how much it has used (null with auth off). */
  async me(req: Request): Promise<{ caller: Principal | null; usage: UsageReport | null }> {
    const principal = principalOf(req);
    if (!principal) return { caller: null, usage: null };
    return { caller: principal, usage: await this.usage.report(principal.id) };
  }

  /** Models the caller may use (its allowlist, as /api/tags lists them), with their workers. */
  async models(principal?: Principal): Promise<ModelAvailability[]> {
    const byModel = new Map<string, ModelAvailability>();
    for (const worker of await this.registry.liveWorkers()) {
      if (worker.status !== 'ready') continue;
      const freeSlots = Math.max(0, worker.slots - worker.runningJobs);
      const loaded = new Set(worker.loadedModels.map((model) => model.name));
      for (const { name } of worker.models) {
        if (!mayUse(principal, name)) continue;
        const entry = byModel.get(name) ?? { model: name, freeSlots: 0, workers: [] };
        entry.freeSlots += freeSlots;
        entry.workers.push({ id: worker.id, freeSlots, loaded: loaded.has(name) });
        byModel.set(name, entry);
      }
    }
    return [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model));
  }

  /** Queue depths of the models the caller may use; totals over those. */
  async queue(principal?: Principal): Promise<{
    models: QueueDepth[];
    activeJobs: number;
    queuedJobs: number;
    workersOnline: number;
  }> {
    const [depths, workers] = await Promise.all([this.inspector.depths(), this.registry.liveWorkers()]);
    const models = depths.filter((depth) => mayUse(principal, depth.model));
    const queuedJobs = models.reduce((sum, m) => sum + m.waiting.high + m.waiting.medium + m.waiting.low, 0);
    return {
      models,
      activeJobs: models.reduce((sum, m) => sum + m.active, 0),
      queuedJobs,
      workersOnline: workers.length,
    };
  }

  private kindOf(dto: InferenceRequestDto): JobKind {
    if (dto.messages !== undefined) return JobKind.Chat;
    if (dto.prompt !== undefined) return JobKind.Generate;
    throw new InvalidRequestError('prompt or messages is required');
  }
}

function engineRequest(dto: InferenceRequestDto): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dto).filter(([field]) => !NATIVE_FIELDS.has(field)));
}

/**
 * Jobs are private to their owner, so ids of other tenants reveal nothing (404); admins see all, and
 * jobs made with auth off belong to nobody.
 */
function visibleTo(principal: Principal | undefined): JobVisibility {
  if (!principal || hasScope(principal, 'admin')) return EVERY_JOB;
  return (job) => job.ownerId === undefined || job.ownerId === principal.id;
}
