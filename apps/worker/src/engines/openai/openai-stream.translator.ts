import { OllamaToolCall } from '@gridllm/contracts';

import { EngineChunk, EngineError } from '../inference-engine';
import { WireObject, chatChunk, chatFinal, generateChunk, generateFinal } from '../llama-cpp/ollama-wire';

type Chunk = Record<string, unknown>;

interface Choice {
  delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown; tool_calls?: unknown };
  text?: unknown;
  finish_reason?: unknown;
}

interface PendingCall {
  id?: string;
  name: string;
  arguments: string;
}

/**
 * Turns one OpenAI completion stream (chunks of `/v1/chat/completions` or `/v1/completions`) into
 * Ollama's NDJSON chunks: one per text piece, tool calls in one chunk once complete (as Ollama sends
 * them), and the `done` chunk with the server's token counts and durations measured here.
 */
export class OpenAiStreamTranslator {
  private readonly startedNs = process.hrtime.bigint();
  private firstNs: bigint | null = null;
  private finishReason: string | null = null;
  private pieces = 0;
  private usage: { prompt_tokens?: number; completion_tokens?: number } | null = null;
  private readonly calls = new Map<number, PendingCall>();

  constructor(
    private readonly kind: 'generate' | 'chat',
    private readonly model: string,
  ) {}

  get finished(): boolean {
    return this.finishReason !== null;
  }

  /** The Ollama chunks one OpenAI chunk stands for (often one, none for role-only or usage chunks). */
  translate(chunk: Chunk): EngineChunk[] {
    if (chunk.error !== undefined) throw new EngineError(`openai engine: ${errorText(chunk.error)}`, 502);
    if (chunk.usage && typeof chunk.usage === 'object') this.usage = chunk.usage;
    const choice = (Array.isArray(chunk.choices) ? chunk.choices[0] : undefined) as Choice | undefined;
    if (!choice) return [];
    const out: EngineChunk[] = [];
    const text = this.kind === 'chat' ? choice.delta?.content : choice.text;
    const thinking = choice.delta?.reasoning_content ?? choice.delta?.reasoning;
    if (typeof thinking === 'string' && thinking) out.push(this.emit(this.thinkingChunk(thinking)));
    if (typeof text === 'string' && text) out.push(this.emit(this.textChunk(text)));
    if (Array.isArray(choice.delta?.tool_calls)) this.collectCalls(choice.delta.tool_calls as Chunk[]);
    if (typeof choice.finish_reason === 'string') {
      this.finishReason = choice.finish_reason;
      if (this.calls.size > 0) out.push(this.emit(this.toolCallChunk()));
    }
    return out;
  }

  /** The `done:true` chunk; the stream's usage when the server sent it, else the pieces counted here. */
  final(): EngineChunk {
    const now = process.hrtime.bigint();
    const first = this.firstNs ?? now;
    const metrics = {
      totalNs: Number(now - this.startedNs),
      loadNs: 0,
      promptEvalCount: this.usage?.prompt_tokens ?? 0,
      promptEvalNs: Number(first - this.startedNs),
      evalCount: this.usage?.completion_tokens ?? this.pieces,
      evalNs: Number(now - first),
    };
    const reason = this.finishReason === 'length' ? 'length' : 'stop';
    const body =
      this.kind === 'chat'
        ? chatFinal(this.model, reason, metrics)
        : generateFinal(this.model, reason, [], metrics);
    return wire(body);
  }

  private emit(body: WireObject): EngineChunk {
    this.firstNs ??= process.hrtime.bigint();
    this.pieces++;
    return wire(body);
  }

  private textChunk(text: string): WireObject {
    return this.kind === 'chat' ? chatChunk(this.model, text) : generateChunk(this.model, text);
  }

  private thinkingChunk(thinking: string): WireObject {
    const base = this.textChunk('');
    if (this.kind === 'chat') return { ...base, message: { role: 'assistant', content: '', thinking } };
    return { model: base.model, created_at: base.created_at, response: '', thinking, done: false };
  }

  /** Tool calls arrive as an id and name, then their arguments in JSON fragments, keyed by index. */
  private collectCalls(deltas: Chunk[]): void {
    for (const delta of deltas) {
      const index = typeof delta.index === 'number' ? delta.index : 0;
      const fn = (delta.function ?? {}) as { name?: unknown; arguments?: unknown };
      const call = this.calls.get(index) ?? { name: '', arguments: '' };
      if (typeof delta.id === 'string') call.id = delta.id;
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
      this.calls.set(index, call);
    }
  }

  private toolCallChunk(): WireObject {
    const toolCalls: OllamaToolCall[] = [...this.calls].map(([index, call]) => ({
      ...(call.id ? { id: call.id } : {}),
      function: { index, name: call.name, arguments: parseArguments(call.arguments) },
    }));
    this.calls.clear();
    const base = chatChunk(this.model, '');
    return { ...base, message: { role: 'assistant', content: '', tool_calls: toolCalls } };
  }
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new EngineError(`openai engine: a tool call's arguments are not JSON: ${text.slice(0, 200)}`, 502);
  }
}

function wire(body: WireObject): EngineChunk {
  return { raw: JSON.stringify(body), chunk: body };
}

/** `{"message": …}` (OpenAI), or a bare string. */
export function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}
