import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomInt } from 'node:crypto';

import { InferenceJobData, JobKind, ModelNotFoundError, checkModelName, Principal } from '@gridllm/contracts';
import { WorkerRegistry, mergeFleetModels } from '@gridllm/registry';

import { mayUse } from '../auth/access-rules';
import { sendJson } from '../common/json-answer';
import { TranslatedJobs } from '../common/translated-jobs.service';
import { toOllamaChatRequest } from './chat-request.translator';
import { ChatStreamTranslator, toChatCompletion } from './chat-response.translator';
import { CompletionStreamTranslator, toCompletion, toOllamaGenerateRequest } from './completion.translator';
import { toEmbeddingList, toOllamaEmbedRequest } from './embeddings.translator';
import { findModel, toModelList, toOpenAiModel } from './models.translator';
import { OpenAiModel, OpenAiModelList, SseTranslator } from './openai-wire';
import { RequestEcho, newResponseIds } from './responses-object';
import { toOllamaChatFromResponses } from './responses-request.translator';
import { ResponsesStreamTranslator, toResponse } from './responses-response.translator';
import { OPENAI_RESPONSES_SSE, SseSink } from './sse-sink';

/** Builds the translator of one stream from its id, `created` and `include_usage`. */
type StreamTranslatorFactory = (id: string, created: number, includeUsage: boolean) => SseTranslator;

/**
 * OpenAI's API over the grid, translated in the gateway: requests become ordinary chat, generate and
 * embed jobs (so every engine serves them), and the engine's Ollama chunks become OpenAI objects or SSE.
 */
@Injectable()
export class OpenAiApiService {
  constructor(
    private readonly jobs: TranslatedJobs,
    private readonly registry: WorkerRegistry,
  ) {}

  async chatCompletions(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const id = `chatcmpl-${randomInt(1_000_000_000)}`;
    const request = toOllamaChatRequest(body);
    const job = await this.jobs.submit(JobKind.Chat, request, req, body.user);
    if (request.stream === true) {
      const factory: StreamTranslatorFactory = (...args) => new ChatStreamTranslator(...args);
      return this.stream(job, body, id, factory, req, res);
    }
    const result = await this.jobs.collect(job, req, res);
    if (result) sendJson(res, toChatCompletion(id, result));
  }

  async completions(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const id = `cmpl-${randomInt(1_000_000_000)}`;
    const request = toOllamaGenerateRequest(body);
    const job = await this.jobs.submit(JobKind.Generate, request, req, body.user);
    if (request.stream === true) {
      const factory: StreamTranslatorFactory = (...args) => new CompletionStreamTranslator(...args);
      return this.stream(job, body, id, factory, req, res);
    }
    const result = await this.jobs.collect(job, req, res);
    if (result) sendJson(res, toCompletion(id, result));
  }

  /** The stateless Responses API: a chat job, answered as a response object or its named events. */
  async responses(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const ids = newResponseIds();
    const echo = new RequestEcho(body);
    const request = toOllamaChatFromResponses(body);
    const job = await this.jobs.submit(JobKind.Chat, request, req, body.user);
    if (request.stream === true) {
      const sink = new SseSink(res, () => new ResponsesStreamTranslator(ids, echo), OPENAI_RESPONSES_SSE);
      return this.jobs.stream(job, sink, req, res);
    }
    const result = await this.jobs.collect(job, req, res);
    if (result) sendJson(res, toResponse(ids, echo, result));
  }

  async embeddings(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const { request, encoding } = toOllamaEmbedRequest(body);
    const job = await this.jobs.submit(JobKind.Embed, request, req, body.user);
    const result = await this.jobs.collect(job, req, res);
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

  /** SSE from the first chunk on; `created` is the same for every chunk of the stream. */
  private stream(
    job: InferenceJobData,
    body: Record<string, unknown>,
    id: string,
    factory: StreamTranslatorFactory,
    req: Request,
    res: Response,
  ): Promise<void> {
    const created = Math.floor(Date.now() / 1000);
    const sink = new SseSink(res, () => factory(id, created, includeUsage(body)));
    return this.jobs.stream(job, sink, req, res);
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
