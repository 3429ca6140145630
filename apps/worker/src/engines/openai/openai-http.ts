import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';

import { EngineResponse, engineRequest } from '../engine-http.client';
import { EngineError } from '../inference-engine';
import { ndjsonLines } from '../ndjson-lines';
import { errorText } from './openai-stream.translator';

const INVENTORY_TIMEOUT_MS = 5000;

/** One entry of `GET /v1/models`. */
export interface ServedModel {
  id: string;
  created?: number;
}

/** HTTP to the OpenAI-compatible server at ENGINE_URL (with its API key), JSON and SSE. */
@Injectable()
export class OpenAiHttp {
  constructor(@Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>) {}

  async listModels(): Promise<ServedModel[]> {
    const response = await this.send('/models', { timeoutMs: INVENTORY_TIMEOUT_MS });
    const body = parse(await response.text()) as { data?: ServedModel[] };
    return (body.data ?? []).filter((entry) => typeof entry.id === 'string');
  }

  async postJson(path: string, body: unknown, signal: AbortSignal): Promise<Record<string, unknown>> {
    const response = await this.send(path, { method: 'POST', body: JSON.stringify(body), signal });
    return parse(await response.text());
  }

  /** The `data:` payloads of a server-sent event stream, parsed, up to `[DONE]`. */
  async *postStream(
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): AsyncGenerator<Record<string, unknown>> {
    const response = await this.send(path, { method: 'POST', body: JSON.stringify(body), signal });
    for await (const line of ndjsonLines(response.body)) {
      if (!line.startsWith('data:')) continue; // event names, ids and `:` keep-alive comments
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      yield parse(data);
    }
  }

  private async send(
    path: string,
    options: { method?: string; body?: string; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<EngineResponse> {
    const { baseUrl, apiKey } = this.settings.openai;
    const headers: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
    const response = await engineRequest(`${baseUrl}${path}`, { ...options, headers });
    if (response.status !== 200) throw await toEngineError(response);
    return response;
  }
}

function parse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new EngineError(`openai engine sent invalid JSON: ${text.slice(0, 200)}`, 502);
}

/** OpenAI's `{"error":{"message"}}`, vLLM's `{"error":"Unauthorized"}`, FastAPI's `{"detail"}`, or the text. */
async function toEngineError(response: EngineResponse): Promise<EngineError> {
  const text = (await response.text().catch(() => '')).trim();
  let message = text || `HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown; message?: unknown };
    if (body.error !== undefined) message = errorText(body.error);
    else if (typeof body.message === 'string') message = body.message;
    else if (body.detail !== undefined) message = errorText(body.detail);
  } catch {
    // not JSON: keep the text
  }
  // The server's own failure is a bad gateway to our client, never a 500 of ours.
  const status = response.status >= 500 ? 502 : response.status;
  return new EngineError(`openai engine (HTTP ${response.status}): ${message}`, status);
}
