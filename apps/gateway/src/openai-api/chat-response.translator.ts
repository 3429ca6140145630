import { OllamaChunk, OllamaToolCall } from '@gridllm/contracts';

import {
  ChatCompletion,
  ChatCompletionChunk,
  FinishReason,
  OpenAiLogprobs,
  OpenAiMessage,
  OpenAiToolCall,
  OpenAiUsage,
  SYSTEM_FINGERPRINT,
  SseTranslator,
} from './openai-wire';

/** Usage from the final chunk's counts (absent counts are 0, as Go's zero values). */
export function toUsage(chunk: OllamaChunk): OpenAiUsage {
  const prompt = count(chunk.prompt_eval_count);
  const completion = count(chunk.eval_count);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Ollama tool calls (arguments as an object) → OpenAI's (arguments as a JSON string, with id and index). */
export function toOpenAiToolCalls(calls: readonly OllamaToolCall[] | undefined): OpenAiToolCall[] {
  return (calls ?? []).map((call) => ({
    id: call.id ?? '',
    index: call.function.index ?? 0,
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
  }));
}

/**
 * The finish reason of a chunk that ends the answer (one with a done_reason; null for the others):
 * `tool_calls` when the answer called a tool, else Ollama's done_reason (`stop`, `length`).
 */
export function finishReason(doneReason: unknown, calledTools: boolean): FinishReason | null {
  if (typeof doneReason !== 'string' || doneReason === '') return null;
  return calledTools ? 'tool_calls' : doneReason;
}

/** Unix seconds of an Ollama `created_at`; now when absent or unreadable. */
export function unixSeconds(createdAt: unknown, now = Date.now()): number {
  const ms = typeof createdAt === 'string' ? Date.parse(createdAt) : NaN;
  return Math.floor((Number.isNaN(ms) ? now : ms) / 1000);
}

/** The merged `stream:false` answer of a chat job → `chat.completion` (Ollama's `ToChatCompletion`). */
export function toChatCompletion(id: string, result: OllamaChunk): ChatCompletion {
  const toolCalls = toOpenAiToolCalls(result.message?.tool_calls);
  const message: OpenAiMessage = {
    role: result.message?.role ?? 'assistant',
    content: result.message?.content ?? '',
  };
  if (result.message?.thinking) message.reasoning = result.message.thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const choice: ChatCompletion['choices'][number] = {
    index: 0,
    message,
    // Unlike a stream's chunks, the whole answer says tool_calls even without a done_reason.
    finish_reason: toolCalls.length > 0 ? 'tool_calls' : finishReason(result.done_reason, false),
  };
  const logprobs = logprobsOf(result);
  if (logprobs) choice.logprobs = logprobs;
  return {
    id,
    object: 'chat.completion',
    created: unixSeconds(result.created_at),
    model: result.model ?? '',
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [choice],
    usage: toUsage(result),
  };
}

/**
 * The SSE chunks of one chat stream (Ollama's ChatWriter): one `chat.completion.chunk` per engine
 * chunk (two when a chunk carries both reasoning and content or tool calls), `role` in the first delta
 * only, `finish_reason` on the chunk of the engine's last one (`tool_calls` once any call was sent),
 * then with `include_usage` a chunk with `choices: []` and the usage.
 */
export class ChatStreamTranslator implements SseTranslator {
  private roleSent = false;
  private toolCallSent = false;

  constructor(
    private readonly id: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  chunk(chunk: OllamaChunk): ChatCompletionChunk[] {
    const chunks = this.split(chunk);
    for (const c of chunks) {
      if (c.choices[0]?.delta.tool_calls?.length) this.toolCallSent = true;
    }
    return chunks;
  }

  final(chunk: OllamaChunk): ChatCompletionChunk[] {
    const chunks = this.chunk(chunk);
    if (!this.includeUsage) return chunks;
    const last = chunks[chunks.length - 1];
    return [...chunks, { ...last, choices: [], usage: toUsage(chunk) }];
  }

  /** Reasoning first, then content or tool calls, as separate chunks (Ollama's `ToChunks`). */
  private split(chunk: OllamaChunk): ChatCompletionChunk[] {
    const thinking = chunk.message?.thinking ?? '';
    const content = chunk.message?.content ?? '';
    const toolCalls = toOpenAiToolCalls(chunk.message?.tool_calls);
    const logprobs = logprobsOf(chunk);
    const reason = finishReason(chunk.done_reason, this.toolCallSent || toolCalls.length > 0);
    const model = chunk.model ?? '';
    if (thinking === '' || (content === '' && toolCalls.length === 0)) {
      return [this.toChunk(model, { content, reasoning: thinking, toolCalls }, reason, logprobs)];
    }
    return [
      this.toChunk(model, { content: '', reasoning: thinking, toolCalls: [] }, null, logprobs),
      this.toChunk(model, { content, reasoning: '', toolCalls }, reason, undefined),
    ];
  }

  private toChunk(
    model: string,
    delta: { content: string; reasoning: string; toolCalls: OpenAiToolCall[] },
    reason: FinishReason | null,
    logprobs: OpenAiLogprobs | undefined,
  ): ChatCompletionChunk {
    const message: OpenAiMessage = this.roleSent
      ? { content: delta.content }
      : { role: 'assistant', content: delta.content };
    this.roleSent = true;
    if (delta.reasoning) message.reasoning = delta.reasoning;
    if (delta.toolCalls.length > 0) message.tool_calls = delta.toolCalls;
    const choice: ChatCompletionChunk['choices'][number] = {
      index: 0,
      delta: message,
      finish_reason: reason,
    };
    if (logprobs) choice.logprobs = logprobs;
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [choice],
    };
  }
}

function logprobsOf(chunk: OllamaChunk): OpenAiLogprobs | undefined {
  return Array.isArray(chunk.logprobs) && chunk.logprobs.length > 0 ? { content: chunk.logprobs } : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
