import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { workerConfig } from '@gridllm/config';
import {
  OllamaChunk,
  OllamaLoadedModel,
  OllamaModel,
  OllamaVersion,
  createRequestDigests,
} from '@gridllm/contracts';

import type { BlobSource } from '../blobs/blob-source';

import { EngineAnswer, EngineChunk, EngineError, InferenceEngine } from './inference-engine';
import { EngineResponse, engineRequest, engineUpload } from './engine-http.client';
import { NdjsonSplitter, ndjsonLines } from './ndjson-lines';

const INVENTORY_TIMEOUT_MS = 5000;

/** Talks to the worker's own Ollama over HTTP. Requests go through untouched except `stream`, which is always on. */
@Injectable()
export class OllamaEngine implements InferenceEngine {
  readonly name = 'ollama' as const;

  constructor(@Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>) {}

  generate(request: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk> {
    return this.stream('/api/generate', request, signal);
  }

  chat(request: Record<string, unknown>, signal: AbortSignal): AsyncIterable<EngineChunk> {
    return this.stream('/api/chat', request, signal);
  }

  embed(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer> {
    return this.post('/api/embed', request, signal);
  }

  embeddings(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer> {
    return this.post('/api/embeddings', request, signal);
  }

  show(request: Record<string, unknown>, signal: AbortSignal): Promise<EngineAnswer> {
    return this.post('/api/show', request, signal);
  }

  async deleteModel(model: string): Promise<boolean> {
    return this.modelCommand('DELETE', '/api/delete', { model });
  }

  async copyModel(source: string, destination: string): Promise<boolean> {
    return this.modelCommand('POST', '/api/copy', { source, destination });
  }

  pullModel(
    request: Record<string, unknown>,
    onProgress: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return this.progressCall('/api/pull', request, onProgress, signal);
  }

  pushModel(
    request: Record<string, unknown>,
    onProgress: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return this.progressCall('/api/push', request, onProgress, signal);
  }

  /** Gives this Ollama each blob the request names that it lacks (fetched, uploaded, removed), then creates. */
  async createModel(
    request: Record<string, unknown>,
    blobs: BlobSource,
    onProgress: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    for (const digest of createRequestDigests(request)) {
      const held = await engineRequest(`${this.settings.ollamaUrl}/api/blobs/${digest}`, {
        method: 'HEAD',
        timeoutMs: INVENTORY_TIMEOUT_MS,
      });
      await held.text();
      if (held.status === 200) continue;
      const path = await blobs(digest, join(tmpdir(), 'gridllm-blobs'));
      try {
        const uploaded = await engineUpload(`${this.settings.ollamaUrl}/api/blobs/${digest}`, path, signal);
        if (uploaded.status !== 201 && uploaded.status !== 200) throw await toEngineError(uploaded);
        await uploaded.text();
      } finally {
        await rm(path, { force: true });
      }
    }
    await this.progressCall('/api/create', request, onProgress, signal);
  }

  async listModels(): Promise<OllamaModel[]> {
    const body = await this.getJson<{ models?: OllamaModel[] }>('/api/tags');
    return body.models ?? [];
  }

  async listLoaded(): Promise<OllamaLoadedModel[]> {
    const body = await this.getJson<{ models?: OllamaLoadedModel[] }>('/api/ps');
    return body.models ?? [];
  }

  async version(): Promise<string> {
    return (await this.getJson<OllamaVersion>('/api/version')).version;
  }

  /** Pull, push and create: Ollama's progress lines, relayed as they come; an error line throws. */
  private async progressCall(
    path: string,
    request: Record<string, unknown>,
    onProgress: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const response = await engineRequest(`${this.settings.ollamaUrl}${path}`, {
      method: 'POST',
      body: JSON.stringify({ ...request, stream: true }),
      signal,
    });
    if (response.status !== 200) throw await toEngineError(response);
    for await (const line of ndjsonLines(response.body)) {
      const parsed = parseChunk(line);
      if (typeof parsed.error === 'string') throw new EngineError(parsed.error, 502);
      onProgress(line);
    }
  }

  /** The worker always streams from Ollama: chunks are relayed as they come, and the gateway merges for stream:false. */
  private async *stream(
    path: string,
    request: Record<string, unknown>,
    signal: AbortSignal,
  ): AsyncGenerator<EngineChunk> {
    const response = await engineRequest(`${this.settings.ollamaUrl}${path}`, {
      method: 'POST',
      body: JSON.stringify({ ...request, stream: true }),
      signal,
    });
    if (response.status !== 200) throw await toEngineError(response);
    // One async step per read of the engine's socket, not one per line (a read often holds several tokens).
    const lines = new NdjsonSplitter();
    for await (const bytes of response.body) for (const raw of lines.push(bytes)) yield engineChunk(raw);
    for (const raw of lines.end()) yield engineChunk(raw);
  }

  /** Ollama's delete and copy answer 200 (done) or 404 (no such model). */
  private async modelCommand(method: string, path: string, body: Record<string, unknown>): Promise<boolean> {
    const response = await engineRequest(`${this.settings.ollamaUrl}${path}`, {
      method,
      body: JSON.stringify(body),
      timeoutMs: INVENTORY_TIMEOUT_MS,
    });
    if (response.status === 404) return false;
    if (response.status !== 200) throw await toEngineError(response);
    await response.text();
    return true;
  }

  /** One request, one JSON answer, relayed as the exact text Ollama sent. */
  private async post(
    path: string,
    request: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<EngineAnswer> {
    const response = await engineRequest(`${this.settings.ollamaUrl}${path}`, {
      method: 'POST',
      body: JSON.stringify(request),
      signal,
    });
    if (response.status !== 200) throw await toEngineError(response);
    const raw = (await response.text()).trim();
    return { raw, body: parseChunk(raw) };
  }

  private async getJson<T>(path: string): Promise<T> {
    const response = await engineRequest(`${this.settings.ollamaUrl}${path}`, {
      timeoutMs: INVENTORY_TIMEOUT_MS,
    });
    if (response.status !== 200) throw await toEngineError(response);
    return JSON.parse(await response.text()) as T;
  }
}

/** A line of a generation stream; an error line throws. */
function engineChunk(raw: string): EngineChunk {
  const chunk = parseChunk(raw);
  if (typeof chunk.error === 'string') throw new EngineError(chunk.error, 500);
  return { raw, chunk };
}

function parseChunk(raw: string): OllamaChunk {
  try {
    return JSON.parse(raw) as OllamaChunk;
  } catch {
    throw new EngineError(`engine sent an invalid line: ${raw.slice(0, 200)}`, 502);
  }
}

async function toEngineError(response: EngineResponse): Promise<EngineError> {
  const text = await response.text().catch(() => '');
  let message = text.trim() || `engine answered HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON (e.g. "404 page not found"): keep the text.
  }
  return new EngineError(message, response.status);
}
