import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { ChatHistoryItem, LlamaGrammar } from 'node-llama-cpp';

import { workerConfig } from '@gridllm/config';
import {
  InvalidRequestError,
  OllamaLoadedModel,
  OllamaModel,
  normalizeModelName,
  parseKeepAlive,
} from '@gridllm/contracts';

import type { BlobSource } from '../../blobs/blob-source';
import { EngineAnswer, EngineChunk, EngineError, InferenceEngine } from '../inference-engine';
import { samplingOptions } from './generation-options';
import { ChatWrapperResolver } from './chat-wrapper-resolver';
import { CatalogEntry, GgufCatalog } from './gguf-catalog';
import { embedAll, normalizeVector } from './llama-embedding';
import { GenerationPlan, runGeneration } from './llama-generation';
import { LlamaRuntime } from './llama-runtime';
import { GgufModelWriter } from './gguf-model-writer';
import { ModelPool } from './model-pool';
import { withModelSettings } from './model-settings';
import { KeyPart, promptKey } from './sequence-shelf';
import { lifecycleAnswer } from './ollama-wire';

/** The Ollama API version whose wire format this engine speaks. */
export const EMBEDDED_OLLAMA_COMPAT_VERSION = '0.12.6';
/** Go's math.MaxInt64 nanoseconds, as milliseconds: Ollama's "forever" expiry. */
const FOREVER_MS = 9_223_372_036_854;

/** Runs GGUF models in-process with llama.cpp (node-llama-cpp) and answers in Ollama's wire format. */
@Injectable()
export class LlamaCppEngine implements InferenceEngine {
  readonly name = 'llamacpp' as const;

  constructor(
    private readonly runtime: LlamaRuntime,
    private readonly catalog: GgufCatalog,
    private readonly pool: ModelPool,
    private readonly chatWrappers: ChatWrapperResolver,
    private readonly writer: GgufModelWriter,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
  ) {}

  generate(original: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk> {
    const request = this.withSettings('generate', original);
    this.refuseImages(request, [request]);
    const prompt = typeof request.prompt === 'string' ? request.prompt : '';
    const system = typeof request.system === 'string' ? request.system : undefined;
    const history: ChatHistoryItem[] = [
      ...(system ? [{ type: 'system' as const, text: system }] : []),
      { type: 'user', text: prompt },
    ];
    const raw = request.raw === true;
    const parts: KeyPart[] = raw
      ? [{ role: 'raw', text: prompt }]
      : [...(system ? [{ role: 'system', text: system }] : []), { role: 'user', text: prompt }];
    return this.run('generate', request, prompt.length === 0, signal, {
      history: raw ? undefined : history,
      rawPrompt: raw ? prompt : undefined,
      contextPrompt: prompt,
      key: promptKey(parts),
    });
  }

  chat(original: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk> {
    const request = this.withSettings('chat', original);
    const messages = Array.isArray(request.messages)
      ? (request.messages as Array<Record<string, unknown>>)
      : [];
    this.refuseImages(request, messages);
    const parts = messages.map((message) => ({
      role: String(message.role),
      text: typeof message.content === 'string' ? message.content : '',
    }));
    return this.run('chat', request, messages.length === 0, signal, {
      history: toHistory(messages),
      key: promptKey(parts),
    });
  }

  /** This engine runs text models only: images would be dropped silently, so say so instead (400). */
  private refuseImages(request: Record<string, unknown>, holders: Array<Record<string, unknown>>): void {
    if (!holders.some((holder) => Array.isArray(holder.images) && holder.images.length > 0)) return;
    throw new EngineError(
      `${JSON.stringify(String(request.model))} does not support vision: the embedded llama.cpp engine of worker ` +
        `${this.settings.workerId} takes no images; serve vision models from a worker in front of Ollama`,
      400,
    );
  }

  async embed(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer> {
    const started = process.hrtime.bigint();
    const inputs = typeof request.input === 'string' ? [request.input] : (request.input as string[]);
    const lease = await this.pool.acquire(this.modelName(request), false);
    try {
      signal.throwIfAborted();
      const { vectors, promptTokens } = await embedAll(this.pool, lease, inputs, request.truncate !== false);
      const dimensions = typeof request.dimensions === 'number' ? request.dimensions : undefined;
      return answer({
        model: request.model,
        embeddings: vectors.map((vector) => normalizeVector(vector, dimensions)),
        total_duration: Number(process.hrtime.bigint() - started),
        load_duration: Math.round(lease.loadMs * 1e6),
        prompt_eval_count: promptTokens,
      });
    } finally {
      await this.pool.release(lease, this.keepAlive(request));
    }
  }

  async embeddings(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer> {
    const lease = await this.pool.acquire(this.modelName(request), false);
    try {
      signal.throwIfAborted();
      const prompt = typeof request.prompt === 'string' ? request.prompt : '';
      const { vectors } = await embedAll(this.pool, lease, [prompt], true);
      return answer({ embedding: vectors[0] });
    } finally {
      await this.pool.release(lease, this.keepAlive(request));
    }
  }

  async show(request: Record<string, unknown>): Promise<EngineAnswer> {
    const entry = this.catalog.find(this.modelName(request));
    if (!entry) throw new InvalidRequestError(`model '${String(request.model)}' not found`);
    const { settings } = entry;
    return answer({
      license: [settings.license ?? ''].flat().join('\n'),
      modelfile: `# Modelfile generated by GridLLM\nFROM ${entry.path}\n`,
      parameters: parametersText(settings.parameters),
      template: settings.template ?? entry.metadata.chatTemplate ?? '',
      ...(settings.system ? { system: settings.system } : {}),
      details: details(entry),
      model_info: entry.metadata.modelInfo,
      capabilities: ['completion', 'embedding'],
      modified_at: entry.modifiedAt.toISOString(),
    });
  }

  /** There is no registry for GGUF files: say how to add a model instead. */
  async pullModel(): Promise<void> {
    throw new EngineError(
      `the embedded llama.cpp engine cannot pull from a registry: copy the model's .gguf file into ${this.settings.llama.modelsDir}`,
      400,
    );
  }

  /** There is no registry to push GGUF files to. */
  async pushModel(): Promise<void> {
    throw new EngineError(
      'the embedded llama.cpp engine cannot push to a registry: push from a worker in front of Ollama',
      400,
    );
  }

  /** A GGUF file in MODELS_DIR under the new name, with the request's settings in its sidecar. */
  async createModel(
    request: Record<string, unknown>,
    blobs: BlobSource,
    onProgress: (line: string) => void,
  ): Promise<void> {
    await this.pool.unload(this.modelName(request));
    await this.writer.create(request, blobs, onProgress);
  }

  async listModels(): Promise<OllamaModel[]> {
    return (await this.catalog.scan()).map((entry) => ({
      name: entry.name,
      model: entry.name,
      modified_at: entry.modifiedAt.toISOString(),
      size: entry.size,
      digest: entry.digest,
      details: details(entry),
    }));
  }

  async listLoaded(): Promise<OllamaLoadedModel[]> {
    return this.pool.list().map((loaded) => ({
      name: loaded.name,
      model: loaded.name,
      modified_at: loaded.entry.modifiedAt.toISOString(),
      size: loaded.entry.size,
      digest: loaded.entry.digest,
      details: details(loaded.entry),
      expires_at: new Date(
        Number.isFinite(loaded.expiresAt) ? loaded.expiresAt : Date.now() + FOREVER_MS,
      ).toISOString(),
      size_vram: 0,
      context_length: loaded.context.contextSize,
    }));
  }

  async version(): Promise<string> {
    await this.runtime.lib();
    return EMBEDDED_OLLAMA_COMPAT_VERSION;
  }

  /** Deletes a model's GGUF file (and sidecar) from MODELS_DIR. */
  async deleteModel(model: string): Promise<boolean> {
    await this.pool.unload(normalizeModelName(model));
    return this.catalog.delete(model);
  }

  /** Gives `source`'s weights a second name. */
  copyModel(source: string, destination: string): Promise<boolean> {
    return this.catalog.copy(source, destination);
  }

  private async *run(
    kind: 'generate' | 'chat',
    request: Record<string, unknown>,
    lifecycleOnly: boolean,
    signal: AbortSignal,
    prompt: Pick<GenerationPlan, 'history' | 'rawPrompt' | 'contextPrompt' | 'key'>,
  ): AsyncGenerator<EngineChunk> {
    const startedAt = process.hrtime.bigint();
    const name = this.modelName(request);
    const keepAlive = this.keepAlive(request);
    if (lifecycleOnly) {
      yield await this.lifecycle(kind, request, name, keepAlive);
      return;
    }
    const lease = await this.pool.acquire(name, true, numCtx(request.options), prompt.key);
    try {
      const plan: GenerationPlan = {
        kind,
        model: String(request.model),
        sampling: samplingOptions(request.options),
        grammar: await this.grammar(request.format),
        startedAt,
        ...prompt,
      };
      if (kind === 'chat') delete plan.contextPrompt;
      const lib = await this.runtime.lib();
      if (plan.history) lease.loaded.chatWrapper ??= await this.chatWrappers.resolve(lib, lease.loaded);
      yield* runGeneration(lib, lease, plan, signal);
    } finally {
      await this.pool.release(lease, keepAlive);
    }
  }

  /** Ollama's load (no prompt) and unload (no prompt, keep_alive 0) requests. */
  private async lifecycle(
    kind: 'generate' | 'chat',
    request: Record<string, unknown>,
    name: string,
    keepAlive: number,
  ): Promise<EngineChunk> {
    if (keepAlive === 0) await this.pool.unload(name);
    else await this.pool.preload(name, keepAlive);
    const body = lifecycleAnswer(kind, String(request.model), keepAlive === 0 ? 'unload' : 'load');
    return { raw: JSON.stringify(body), chunk: body };
  }

  /** `format: "json"` or a JSON schema, enforced with a llama.cpp grammar. */
  private async grammar(format: unknown): Promise<LlamaGrammar | undefined> {
    if (format === undefined || format === null || format === '') return undefined;
    const llama = await this.runtime.instance();
    if (format === 'json') return llama.getGrammarFor('json');
    if (typeof format === 'object')
      return llama.createGrammarForJsonSchema(
        format as Parameters<typeof llama.createGrammarForJsonSchema>[0],
      );
    throw new InvalidRequestError(`invalid format: ${JSON.stringify(format)}`);
  }

  /** The request with the settings `/api/create` gave the model (system, messages, parameters). */
  private withSettings(kind: 'generate' | 'chat', request: Record<string, unknown>): Record<string, unknown> {
    return withModelSettings(kind, request, this.catalog.find(this.modelName(request))?.settings);
  }

  private modelName(request: Record<string, unknown>): string {
    const name = typeof request.model === 'string' && request.model ? request.model : request.name;
    return normalizeModelName(typeof name === 'string' ? name : '');
  }

  private keepAlive(request: Record<string, unknown>): number {
    const requested = request.keep_alive === undefined ? null : parseKeepAlive(request.keep_alive);
    return requested ?? parseKeepAlive(this.settings.llama.defaultKeepAlive) ?? 300_000;
  }
}

/** `options.num_ctx`, when the request sets one. */
function numCtx(options: unknown): number | undefined {
  const value = (options as { num_ctx?: unknown } | undefined)?.num_ctx;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

function toHistory(messages: Array<Record<string, unknown>>): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    const text = typeof message.content === 'string' ? message.content : '';
    if (message.role === 'system') return { type: 'system', text };
    if (message.role === 'assistant') return { type: 'model', response: [text] };
    return { type: 'user', text }; // user and tool results
  });
}

function details(entry: CatalogEntry): OllamaModel['details'] {
  const family = entry.metadata.architecture;
  return {
    parent_model: '',
    format: 'gguf',
    family,
    families: [family],
    parameter_size: entry.metadata.parameterSize,
    quantization_level: entry.metadata.quantizationLevel,
    ...(entry.metadata.contextLength ? { context_length: entry.metadata.contextLength } : {}),
  };
}

/** Ollama's `parameters` text in /api/show: one `name value` line per value (lists repeat the name). */
function parametersText(parameters: Record<string, unknown> | undefined): string {
  return Object.entries(parameters ?? {})
    .flatMap(([name, value]) => [value].flat().map((item) => `${name.padEnd(30)} ${JSON.stringify(item)}`))
    .join('\n');
}

function answer(body: Record<string, unknown>): EngineAnswer {
  return { raw: JSON.stringify(body), body };
}
