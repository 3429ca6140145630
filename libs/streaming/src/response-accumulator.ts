import { JobKind, OllamaChunk, OllamaMessage, OllamaToolCall } from '@gridllm/contracts';

const METRIC_FIELDS = [
  'total_duration',
  'load_duration',
  'prompt_eval_count',
  'prompt_eval_duration',
  'eval_count',
  'eval_duration',
] as const;

/**
 * Builds the single object Ollama returns for `stream:false` from the chunks it would have streamed,
 * as Ollama's server does: text and thinking concatenated, tool calls and logprobs collected, everything
 * else (context, metrics, done_reason, created_at) from the last chunk. Field order follows Ollama's
 * Go structs (GenerateResponse / ChatResponse) so the bytes match.
 */
export class ResponseAccumulator {
  private content = '';
  private thinking = '';
  private readonly toolCalls: OllamaToolCall[] = [];
  private readonly logprobs: unknown[] = [];
  private last: OllamaChunk | undefined;

  constructor(private readonly kind: JobKind) {}

  add(chunk: OllamaChunk): void {
    const source = this.kind === JobKind.Chat ? chunk.message : chunk;
    this.content += (this.kind === JobKind.Chat ? chunk.message?.content : chunk.response) ?? '';
    this.thinking += source?.thinking ?? '';
    if (source?.tool_calls) this.toolCalls.push(...source.tool_calls);
    if (Array.isArray(chunk.logprobs)) this.logprobs.push(...chunk.logprobs);
    this.last = chunk;
  }

  get isEmpty(): boolean {
    return this.last === undefined;
  }

  result(): OllamaChunk {
    const last = this.last ?? {};
    if (this.kind === JobKind.Chat) return this.chatResult(last);
    if (this.kind === JobKind.Generate) return this.generateResult(last);
    return last; // single-object answers (embed, show) are relayed as they are
  }

  private generateResult(last: OllamaChunk): OllamaChunk {
    const out: OllamaChunk = {};
    copy(out, last, ['model', 'remote_model', 'remote_host', 'created_at']);
    out.response = this.content;
    if (this.thinking) out.thinking = this.thinking;
    copy(out, last, ['done', 'done_reason', 'context', ...METRIC_FIELDS]);
    if (this.toolCalls.length > 0) out.tool_calls = this.toolCalls;
    copy(out, last, ['_debug_info']);
    if (this.logprobs.length > 0) out.logprobs = this.logprobs;
    return withRemainingFields(out, last);
  }

  private chatResult(last: OllamaChunk): OllamaChunk {
    const out: OllamaChunk = {};
    copy(out, last, ['model', 'remote_model', 'remote_host', 'created_at']);
    out.message = this.mergedMessage(last.message);
    copy(out, last, ['done', 'done_reason', '_debug_info']);
    if (this.logprobs.length > 0) out.logprobs = this.logprobs;
    copy(out, last, METRIC_FIELDS);
    return withRemainingFields(out, last);
  }

  private mergedMessage(lastMessage: OllamaMessage | undefined): OllamaMessage {
    const message: OllamaMessage = { role: lastMessage?.role ?? 'assistant', content: this.content };
    if (this.thinking) message.thinking = this.thinking;
    if (lastMessage?.images) message.images = lastMessage.images;
    if (this.toolCalls.length > 0) message.tool_calls = this.toolCalls;
    return withRemainingFields(message, lastMessage ?? {});
  }
}

function copy(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  fields: readonly string[],
): void {
  for (const field of fields) {
    if (source[field] !== undefined) target[field] = source[field];
  }
}

/** Keeps fields this code does not know (newer Ollama versions) instead of dropping them. */
function withRemainingFields<T extends Record<string, unknown>>(
  target: T,
  source: Record<string, unknown>,
): T {
  for (const [field, value] of Object.entries(source)) {
    if (!(field in target) && value !== undefined && !MERGED_FIELDS.has(field)) {
      (target as Record<string, unknown>)[field] = value;
    }
  }
  return target;
}

const MERGED_FIELDS = new Set(['response', 'thinking', 'tool_calls', 'logprobs', 'content', 'message']);
