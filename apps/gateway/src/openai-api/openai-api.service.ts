import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomInt } from 'node:crypto';

import {
  InferenceJobData,
  JobFailedError,
  JobKind,
  ModelNotFoundError,
  checkModelName,
  OllamaChunk,
  Principal,
} from '@gridllm/contracts';
import { LogContext } from '@gridllm/logging';
import { WorkerRegistry, mergeFleetModels } from '@gridllm/registry';
import { JobSchedulerService } from '@gridllm/scheduler';

import { mayUse } from '../auth/access-rules';
import { JobOwners } from '../auth/job-owners';
import { watchClient } from '../common/inference-responder.service';
import { JobRelay } from '../common/job-relay.service';
import { sessionOf } from '../common/session-name';
import { CollectingSink } from '../common/job-sink';
import { PlacementHeaderSink } from '../common/placement-header';
import { InferenceMetrics } from '../metrics/inference-metrics.service';
import { toOllamaChatRequest } from './chat-request.translator';
import { ChatStreamTranslator, toChatCompletion } from './chat-response.translator';
import { CompletionStreamTranslator, toCompletion, toOllamaGenerateRequest } from './completion.translator';
import { toEmbeddingList, toOllamaEmbedRequest } from './embeddings.translator';
import { findModel, toModelList, toOpenAiModel } from './models.translator';
import { OpenAiModel, OpenAiModelList, SseTranslator } from './openai-wire';
import { SseSink } from './sse-sink';

/** Builds the translator of one stream from its id, `created` and `include_usage`. */
type StreamTranslatorFactory = (id: string, created: number, includeUsage: boolean) => SseTranslator;

/**
 * OpenAI's API over the grid, translated in the gateway: requests become ordinary chat, generate and
 * embed jobs (so every engine serves them), and the engine's Ollama chunks become OpenAI objects or SSE.
 */
@Injectable()
export class OpenAiApiService {
  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly relay: JobRelay,
    private readonly metrics: InferenceMetrics,
    private readonly registry: WorkerRegistry,
    private readonly owners: JobOwners,
  ) {}

  async chatCompletions(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const id = `chatcmpl-${randomInt(1_000_000_000)}`;
    const request = toOllamaChatRequest(body);
    const job = await this.submit(JobKind.Chat, request, req, body.user);
    if (request.stream === true) {
      const factory: StreamTranslatorFactory = (...args) => new ChatStreamTranslator(...args);
      return this.stream(job, body, id, factory, req, res);
    }
    const result = await this.collect(job, req, res);
    if (result) sendJson(res, toChatCompletion(id, result));
  }

  async completions(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const id = `cmpl-${randomInt(1_000_000_000)}`;
    const request = toOllamaGenerateRequest(body);
    const job = await this.submit(JobKind.Generate, request, req, body.user);
    if (request.stream === true) {
      const factory: StreamTranslatorFactory = (...args) => new CompletionStreamTranslator(...args);
      return this.stream(job, body, id, factory, req, res);
    }
    const result = await this.collect(job, req, res);
    if (result) sendJson(res, toCompletion(id, result));
  }

  async embeddings(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const { request, encoding } = toOllamaEmbedRequest(body);
    const job = await this.submit(JobKind.Embed, request, req, body.user);
    const result = await this.collect(job, req, res);
    if (result) sendJson(res, toEmbeddingList(String(body.model), result, encoding));
  }

  /** The fleet's models that the caller may use (its allowlist, if any). */
  async listModels(principal?: Principal): Promise<OpenAiModelList> {
    return toModelList(await this.usableModels(principal));
  }

  async retrieveModel(id: string, principal?: Principal): Promise<OpenAiModel> {
    const model = findModel(await this.usableModels(principal), checkModelName(id));
    if (!model) throw new ModelNotFoundError(id);
    return toOpenAiModel(model, id);
  }

  private async usableModels(principal: Principal | undefined) {
    const models = mergeFleetModels(await this.registry.liveWorkers());
    return models.filter((model) => mayUse(principal, model.name));
  }

  /** `user` is OpenAI's end-user id: it names the session when the header does not. */
  private submit(
    kind: JobKind,
    request: Record<string, unknown>,
    req: Request,
    user: unknown,
  ): Promise<InferenceJobData> {
    const { requestId } = LogContext.ids();
    const owner = this.owners.of(req);
    const session = sessionOf(req, user);
    return this.scheduler.submit({ kind, model: String(request.model), request, requestId, owner, session });
  }

  /** SSE from the first chunk on; `created` is the same for every chunk of the stream. */
  private async stream(
    job: InferenceJobData,
    body: Record<string, unknown>,
    id: string,
    factory: StreamTranslatorFactory,
    req: Request,
    res: Response,
  ): Promise<void> {
    res.setHeader('x-gridllm-job-id', job.id);
    const clientGone = watchClient(req, res);
    const created = Math.floor(Date.now() / 1000);
    const sse = new SseSink(res, () => factory(id, created, includeUsage(body)));
    const sink = new PlacementHeaderSink(sse, job, res);
    await this.metrics.track(job, sink, (metered) => this.relay.relay(job, metered, clientGone));
  }

  /**
   * The job's merged answer; undefined when the client left. A failure is thrown, so the error filter
   * answers it in OpenAI's shape with the job's status.
   */
  private async collect(
    job: InferenceJobData,
    req: Request,
    res: Response,
  ): Promise<OllamaChunk | undefined> {
    res.setHeader('x-gridllm-job-id', job.id);
    const clientGone = watchClient(req, res);
    const sink = new CollectingSink(job.kind);
    const placed = new PlacementHeaderSink(sink, job, res);
    const end = await this.metrics.track(job, placed, (metered) =>
      this.relay.relay(job, metered, clientGone),
    );
    if (end === 'client-gone') return undefined;
    if (sink.workerId) res.setHeader('x-gridllm-worker', sink.workerId);
    if (sink.queueMs !== undefined) res.setHeader('x-gridllm-queue-ms', String(sink.queueMs));
    if (sink.failure) throw sink.failure;
    if (!sink.result) throw new JobFailedError('job ended without a result', 502);
    return sink.result;
  }
}

function includeUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options;
  return (
    typeof options === 'object' &&
    options !== null &&
    (options as Record<string, unknown>).include_usage === true
  );
}

function sendJson(res: Response, body: object): void {
  res.status(200).type('application/json; charset=utf-8').send(JSON.stringify(body));
}
