/** Ollama wire types (see shared/OLLAMA-API.md). Only the fields the gateway reads are typed; the rest pass through. */

export interface OllamaModelDetails {
  parent_model?: string;
  format?: string;
  family?: string;
  families?: string[] | null;
  parameter_size?: string;
  quantization_level?: string;
  [field: string]: unknown;
}

/** One entry of `GET /api/tags`. */
export interface OllamaModel {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: OllamaModelDetails;
  [field: string]: unknown;
}

/** One entry of `GET /api/ps`. */
export interface OllamaLoadedModel extends OllamaModel {
  expires_at: string;
  size_vram: number;
}

export interface OllamaToolCall {
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
}

export interface OllamaMessage {
  role: string;
  content: string;
  thinking?: string;
  images?: string[] | null;
  tool_calls?: OllamaToolCall[];
  [field: string]: unknown;
}

/** A generate or chat chunk as the engine streams it (and the merged `stream:false` answer). */
export interface OllamaChunk {
  model?: string;
  created_at?: string;
  response?: string;
  thinking?: string;
  message?: OllamaMessage;
  done?: boolean;
  done_reason?: string;
  context?: number[];
  tool_calls?: OllamaToolCall[];
  logprobs?: unknown[];
  error?: string;
  [field: string]: unknown;
}

export interface OllamaVersion {
  version: string;
}
