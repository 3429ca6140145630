import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

import {
  InferenceJobData,
  InvalidRequestError,
  compareVersions,
  JobKind,
  OllamaLoadedModel,
  OllamaModel,
  OllamaVersion,
  Principal,
} from '@gridllm/contracts';
import { WorkerRegistry, mergeFleetLoadedModels, mergeFleetModels } from '@gridllm/registry';
import { JobSchedulerService } from '@gridllm/scheduler';

import { mayUse } from '../auth/access-rules';
import { JobOwners } from '../auth/job-owners';
import { sessionOf } from '../common/session-name';
import { InferenceResponder } from '../common/inference-responder.service';
import { ModelLifecycleService, isLifecycleRequest } from './model-lifecycle.service';
import { continuationRequested } from '../continuation/continue-option';
import { pendingRateCount } from '../limits/deferred-rate-check';
import { logScopeOf } from '../logging/request-logging';
import { ReusedAnswer } from './reused-answer';

/** The version reported when no worker is online; clients use it only for feature checks. */
export const GATEWAY_OLLAMA_COMPAT_VERSION = '0.12.6';

/** How long one read of the fleet's oldest engine version answers /api/version (below a heartbeat interval). */
const FLEET_VERSION_REUSE_MS = 500;

/** Ollama's API over the whole fleet. */
@Injectable()
export class OllamaApiService {
  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly responder: InferenceResponder,
    private readonly registry: WorkerRegistry,
    private readonly lifecycle: ModelLifecycleService,
    private readonly owners: JobOwners,
  ) {}

  // Clients ask for the version before (nearly) every call; the registry's two reads and record parsing
  // cost more than the answer. The fleet changes by heartbeats, so an answer this old is as fresh.
  private readonly fleetVersion = new ReusedAnswer(() => this.oldestEngineVersion(), FLEET_VERSION_REUSE_MS);

  async run(kind: JobKind, body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    if (isLifecycleRequest(kind, body)) {
      await pendingRateCount(req)?.count();
      res
        .status(200)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(await this.lifecycle.run(kind, body)));
      return;
    }
    const job = await this.submit(kind, body, req);
    await this.responder.respond(job, body.stream !== false, req, res);
  }

  /** Embed, embeddings and show: the worker relays the engine's one JSON object, answered as it is. */
  async answer(kind: JobKind, body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const job = await this.submit(kind, body, req);
    await this.responder.respond(job, false, req, res);
  }

  private submit(kind: JobKind, body: Record<string, unknown>, req: Request): Promise<InferenceJobData> {
    const requestId = logScopeOf(req)?.requestId;
    const owner = this.owners.of(req);
    const continueOnFailure = continuationRequested(req);
    const session = sessionOf(req);
    return this.scheduler.submit({
      kind,
      model: String(body.model),
      request: body,
      requestId,
      owner,
      continueOnFailure,
      session,
      // The route's rate count (RateCheckedAtSubmit), made with the job's enqueue where it can be.
      charge: pendingRateCount(req),
    });
  }

  /** Like Ollama's ShowHandler: `model`, else the legacy `name`, which the engine then receives as `model`. */
  async show(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const model = nonEmptyString(body.model) ?? nonEmptyString(body.name);
    if (!model) throw new InvalidRequestError('model is required');
    return this.answer(JobKind.Show, { ...body, model }, req, res);
  }

  /** The models loaded anywhere in the fleet, listed once. */
  async ps(principal?: Principal): Promise<{ models: OllamaLoadedModel[] }> {
    const models = mergeFleetLoadedModels(await this.registry.liveWorkers());
    return { models: models.filter((model) => mayUse(principal, model.name)) };
  }

  /** Every model any live worker has, listed once. */
  async tags(principal?: Principal): Promise<{ models: OllamaModel[] }> {
    const models = mergeFleetModels(await this.registry.liveWorkers());
    return { models: models.filter((model) => mayUse(principal, model.name)) };
  }

  /** The oldest engine version in the fleet: a client gating features on it is then right for every worker. */
  async version(): Promise<OllamaVersion> {
    return { version: await this.fleetVersion.get() };
  }

  private async oldestEngineVersion(): Promise<string> {
    const versions = (await this.registry.liveWorkers())
      .map((worker) => worker.engineVersion)
      .filter((version): version is string => typeof version === 'string' && version.length > 0)
      .sort(compareVersions);
    return versions[0] ?? GATEWAY_OLLAMA_COMPAT_VERSION;
  }
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
