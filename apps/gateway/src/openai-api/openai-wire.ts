/**
 * OpenAI wire types as Ollama's openai middleware writes them (`openai/openai.go`). Property order is
 * the Go struct order, so the JSON the gateway sends matches Ollama's byte for byte.
 */

export const SYSTEM_FINGERPRINT = 'fp_ollama';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | (string & {});

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface OpenAiToolCall {
  id: string;
  index: number;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A message or a streamed delta (`role` only in the first delta of a stream). */
export interface OpenAiMessage {
  role?: string;
  content: string;
  reasoning?: string;
  tool_calls?: OpenAiToolCall[];
}

export interface OpenAiLogprobs {
  content: unknown[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    message: OpenAiMessage;
    finish_reason: FinishReason | null;
    logprobs?: OpenAiLogprobs;
  }>;
  usage: OpenAiUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    delta: OpenAiMessage;
    finish_reason: FinishReason | null;
    logprobs?: OpenAiLogprobs;
  }>;
  usage?: OpenAiUsage;
}

export interface CompletionChoice {
  text: string;
  index: number;
  finish_reason: FinishReason | null;
}

/** `text_completion`: the whole answer, or one streamed chunk (Ollama puts `choices` before `model` in chunks). */
export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: CompletionChoice[];
  usage?: OpenAiUsage;
}

export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface OpenAiModelList {
  object: 'list';
  data: OpenAiModel[];
}

export interface EmbeddingList {
  object: 'list';
  data: Array<{ object: 'embedding'; embedding: number[] | string; index: number }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Turns one engine chunk into the SSE events of one stream; stateful (first delta, tool calls seen). */
export interface SseTranslator {
  /** Events for a chunk before the last. */
  chunk(chunk: Record<string, unknown>): object[];
  /** Events for the engine's `done:true` chunk: the finish chunk, then the usage chunk if asked for. */
  final(chunk: Record<string, unknown>): object[];
  /** Events that end a stream failing after it started; the family's error body when absent. */
  failed?(status: number, message: string): object[];
}
