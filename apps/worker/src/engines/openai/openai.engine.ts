import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';
import { OllamaLoadedModel, OllamaModel, normalizeModelName, parseKeepAlive } from '@gridllm/contracts';

import { EngineAnswer, EngineChunk, EngineError, InferenceEngine } from '../inference-engine';
import { lifecycleAnswer } from '../llama-cpp/ollama-wire';
import { OpenAiHttp } from './openai-http';
import { toChatCompletionBody, toCompletionBody } from './openai-request.mapper';
import { OpenAiStreamTranslator } from './openai-stream.translator';

/** These servers keep every model they serve in memory: loaded "forever", as Ollama spells it. */
const FOREVER = '2318-01-01T00:00:00Z';

/**
 * Runs jobs on an OpenAI-compatible server (vLLM, llama-server, LM Studio, TGI) and answers in
 * Ollama's wire format: generate → `/v1/completions`, chat → `/v1/chat/completions`, embed →
 * `/v1/embeddings`. Model management stays with the server: pull, create, push, copy, delete, show and unload are
 * refused with an error that names this engine.
 */
@Injectable()
export class OpenAiEngine implements InferenceEngine {
  readonly name = 'openai' as const;
  /** Normalised name → the server's own model id (`Qwen/Qwen2.5-7B` is served as `Qwen/Qwen2.5-7B:latest`). */
  private served = new Map<string, OllamaModel>();

  constructor(
    private readonly http: OpenAiHttp,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
  ) {}

  generate(request: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk> {
    const lifecycle = typeof request.prompt !== 'string' || request.prompt === '';
    if (lifecycle && !(Array.isArray(request.images) && request.images.length > 0))
      return this.lifecycle('generate', request);
    return this.stream(
      'generate',
      '/completions',
      toCompletionBody(request, this.upstream(request)),
      request,
      signal,
    );
  }

  chat(request: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk> {
    if (!Array.isArray(request.messages) || request.messages.length === 0)
      return this.lifecycle('chat', request);
    const body = toChatCompletionBody(request, this.upstream(request));
    return this.stream('chat', '/chat/completions', body, request, signal);
  }

  async embed(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer> {
    const started = process.hrtime.bigint();
    const input = typeof request.input === 'string' ? [request.input] : request.input;
    const body: Record<string, unknown> = { model: this.upstream(request), input };
    if (typeof request.dimensions === 'number') body.dimensions = request.dimensions;
    const answer = await this.http.postJson('/embeddings', body, signal);
    return wire({
      model: request.model,
      embeddings: vectorsOf(answer),
      total_duration: Number(process.hrtime.bigint() - started),
      prompt_eval_count: (answer.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens ?? 0,
    });
  }

  async embeddings(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer> {
    const input = typeof request.prompt === 'string' ? request.prompt : '';
    const answer = await this.http.postJson('/embeddings', { model: this.upstream(request), input }, signal);
    return wire({ embedding: vectorsOf(answer)[0] ?? [] });
  }

  show(): Promise<EngineAnswer> {
    return Promise.reject(this.cannot('show model details (an OpenAI-compatible server has no /api/show)'));
  }

  deleteModel(): Promise<boolean> {
    return Promise.reject(this.cannot('delete models: remove them on the server itself'));
  }

  copyModel(): Promise<boolean> {
    return Promise.reject(
      this.cannot('copy models: serve the model under another name on the server itself'),
    );
  }

  pullModel(): Promise<void> {
    return Promise.reject(this.cannot('pull models: load them on the server itself'));
  }

  createModel(): Promise<void> {
    return Promise.reject(this.cannot('create models: serve the model files on the server itself'));
  }

  pushModel(): Promise<void> {
    return Promise.reject(this.cannot('push models: push them from the server itself'));
  }

  async listModels(): Promise<OllamaModel[]> {
    const models = (await this.http.listModels()).map(toOllamaModel);
    this.served = new Map(models.map((model) => [normalizeModelName(model.name), model]));
    return models;
  }

  /** Every served model is loaded (the server holds them all); read from the last model list, no request. */
  async listLoaded(): Promise<OllamaLoadedModel[]> {
    return [...this.served.values()].map((model) => ({ ...model, expires_at: FOREVER, size_vram: 0 }));
  }

  /** The server answering `/v1/models` is the reachability check; it has no version route in common. */
  async version(): Promise<string> {
    await this.http.listModels();
    return 'openai-compatible';
  }

  private async *stream(
    kind: 'generate' | 'chat',
    path: string,
    body: Record<string, unknown>,
    request: Record<string, unknown>,
    signal: AbortSignal,
  ): AsyncGenerator<EngineChunk> {
    const translator = new OpenAiStreamTranslator(kind, String(request.model));
    for await (const event of this.http.postStream(path, body, signal)) {
      for (const chunk of translator.translate(event)) yield chunk;
    }
    if (!translator.finished)
      throw new EngineError('openai engine: the stream ended before the answer did', 502);
    yield translator.final();
  }

  /** Load is a no-op (the server holds its models); unload is not the worker's to do. */
  private async *lifecycle(
    kind: 'generate' | 'chat',
    request: Record<string, unknown>,
  ): AsyncGenerator<EngineChunk> {
    if (request.keep_alive !== undefined && parseKeepAlive(request.keep_alive) === 0)
      throw this.cannot('unload models: the server keeps its models loaded');
    yield wire(lifecycleAnswer(kind, String(request.model), 'load'));
  }

  private upstream(request: Record<string, unknown>): string {
    const asked = typeof request.model === 'string' ? request.model : '';
    return this.served.get(normalizeModelName(asked))?.model ?? asked;
  }

  private cannot(what: string): EngineError {
    return new EngineError(
      `worker ${this.settings.workerId} runs on an OpenAI-compatible server (ENGINE=openai, ${this.settings.openai.baseUrl}), which cannot ${what}`,
      501,
    );
  }
}

function toOllamaModel(entry: { id: string; created?: number }): OllamaModel {
  return {
    name: entry.id,
    model: entry.id,
    modified_at: new Date((entry.created ?? 0) * 1000).toISOString(),
    size: 0,
    digest: '',
    details: {
      parent_model: '',
      format: '',
      family: '',
      families: null,
      parameter_size: '',
      quantization_level: '',
    },
  };
}

function vectorsOf(answer: Record<string, unknown>): number[][] {
  const data = Array.isArray(answer.data)
    ? (answer.data as Array<{ index?: number; embedding?: unknown }>)
    : [];
  return [...data]
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
    .map((entry) => (Array.isArray(entry.embedding) ? (entry.embedding as number[]) : []));
}

function wire(body: Record<string, unknown>): EngineAnswer & EngineChunk {
  return { raw: JSON.stringify(body), body, chunk: body };
}
