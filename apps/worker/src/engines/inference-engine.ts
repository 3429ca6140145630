import { EngineName, OllamaChunk, OllamaLoadedModel, OllamaModel } from '@gridllm/contracts';

import type { BlobSource } from '../blobs/blob-source';

/** One chunk as the engine produced it: the exact JSON text (relayed as-is) and its parsed form. */
export interface EngineChunk {
  raw: string;
  chunk: OllamaChunk;
}

/** A single-object answer (embed, show) as the engine produced it. */
export interface EngineAnswer {
  raw: string;
  body: Record<string, unknown>;
}

/** The port every engine implements (Ollama over HTTP now; embedded llama.cpp later). */
export interface InferenceEngine {
  readonly name: EngineName;
  /** `/api/generate` semantics; every request field passes through. Ends with the `done:true` chunk. */
  generate(request: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk>;
  /** `/api/chat` semantics (never flattened into generate). */
  chat(request: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk>;
  /** `/api/embed`: `input` is a string or an array of strings. */
  embed(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer>;
  /** Legacy `/api/embeddings`: one `prompt`, answered `{ "embedding": [...] }`. */
  embeddings(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer>;
  /** `/api/show` for a model this engine has. */
  show(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer>;
  /** `/api/delete`: removes the model from this engine; false when it does not have it. */
  deleteModel(model: string): Promise<boolean>;
  /** `/api/copy`: gives `source` a second name; false when it does not have `source`. */
  copyModel(source: string, destination: string): Promise<boolean>;
  /** `/api/pull`: downloads the model, reporting each of Ollama's progress lines; throws on failure. */
  pullModel(
    request: Record<string, unknown>,
    onProgress: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /**
   * `/api/create`: from a model this engine has (`from`) or from the blobs `files`/`adapters` name,
   * fetched through `blobs`; reports progress lines and throws what the engine cannot do.
   */
  createModel(
    request: Record<string, unknown>,
    blobs: BlobSource,
    onProgress: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** `/api/push` to the model's registry, reporting each progress line; throws on failure. */
  pushModel(
    request: Record<string, unknown>,
    onProgress: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void>;
  listModels(): Promise<OllamaModel[]>;
  listLoaded(): Promise<OllamaLoadedModel[]>;
  version(): Promise<string>;
}

/** Nest injection token for the configured engine. */
export const INFERENCE_ENGINE = Symbol('INFERENCE_ENGINE');

/** The engine answered with an error (HTTP status and Ollama's message), or failed mid-stream. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = EngineError.name;
  }
}
