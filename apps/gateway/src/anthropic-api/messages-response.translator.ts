import { randomBytes } from 'node:crypto';

import { OllamaChunk, OllamaToolCall } from '@gridllm/contracts';

import { SseTranslator } from '../openai-api/openai-wire';
import { ContentBlock, MessagesResponse, MessagesStreamEvent, StopReason } from './anthropic-wire';

/** Anthropic ids are a prefix and random hex (`msg_…`, `toolu_…`), as Ollama makes them. */
export function anthropicId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/** Ollama's done_reason → stop_reason: a tool call wins; `stop` ends the turn, `length` hit max_tokens. */
export function stopReason(doneReason: unknown, calledTools: boolean): StopReason | undefined {
  if (calledTools) return 'tool_use';
  if (doneReason === 'stop') return 'end_turn';
  if (doneReason === 'length') return 'max_tokens';
  return typeof doneReason === 'string' && doneReason !== '' ? 'stop_sequence' : undefined;
}

function toolUse(call: OllamaToolCall): ContentBlock {
  return {
    type: 'tool_use',
    id: call.id || anthropicId('toolu'),
    name: call.function.name,
    input: call.function.arguments ?? {},
  };
}

/** The merged `stream:false` answer of a chat job → the Messages object (Ollama's `ToMessagesResponse`). */
export function toMessagesResponse(id: string, result: OllamaChunk): MessagesResponse {
  const content: ContentBlock[] = [];
  const message = result.message;
  if (message?.thinking) content.push({ type: 'thinking', thinking: message.thinking });
  if (message?.content) content.push({ type: 'text', text: message.content });
  for (const call of message?.tool_calls ?? []) content.push(toolUse(call));
  const out: MessagesResponse = {
    id,
    type: 'message',
    role: 'assistant',
    model: result.model ?? '',
    content,
    usage: { input_tokens: count(result.prompt_eval_count), output_tokens: count(result.eval_count) },
  };
  const reason = stopReason(result.done_reason, (message?.tool_calls?.length ?? 0) > 0);
  return reason ? { ...withoutUsage(out), stop_reason: reason, usage: out.usage } : out;
}

/** Keeps Go's field order: stop_reason comes before usage. */
function withoutUsage(response: MessagesResponse): Omit<MessagesResponse, 'usage'> {
  const { usage: _usage, ...rest } = response;
  return rest;
}

/**
 * The events of one Messages stream (Ollama's `StreamConverter`, plus Anthropic's `ping` after
 * `message_start`): a thinking block, then a text block, each tool call as its own block with its whole
 * input in one `input_json_delta`, then `message_delta` with the stop reason and usage, and `message_stop`.
 */
export class MessagesStreamTranslator implements SseTranslator {
  private started = false;
  private index = 0;
  private thinkingOpen = false;
  private thinkingDone = false;
  private textOpen = false;
  private toolCalls = 0;

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly estimatedInputTokens: number,
  ) {}

  chunk(chunk: OllamaChunk): MessagesStreamEvent[] {
    const events = this.start(chunk);
    const message = chunk.message;
    if (message?.thinking && !this.thinkingDone) events.push(...this.thinking(message.thinking));
    if (message?.content) events.push(...this.text(message.content));
    for (const call of message?.tool_calls ?? []) events.push(...this.toolUse(call));
    return events;
  }

  final(chunk: OllamaChunk): MessagesStreamEvent[] {
    const events = this.chunk(chunk);
    if (this.textOpen || (this.thinkingOpen && !this.thinkingDone)) {
      events.push({ type: 'content_block_stop', index: this.index });
    }
    const reason = stopReason(chunk.done_reason, this.toolCalls > 0);
    events.push(
      {
        type: 'message_delta',
        delta: reason ? { stop_reason: reason } : {},
        usage: { input_tokens: count(chunk.prompt_eval_count), output_tokens: count(chunk.eval_count) },
      },
      { type: 'message_stop' },
    );
    return events;
  }

  private start(chunk: OllamaChunk): MessagesStreamEvent[] {
    if (this.started) return [];
    this.started = true;
    const input = count(chunk.prompt_eval_count) || this.estimatedInputTokens;
    const message: MessagesResponse = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      usage: { input_tokens: input, output_tokens: 0 },
    };
    return [{ type: 'message_start', message }, { type: 'ping' }];
  }

  private thinking(text: string): MessagesStreamEvent[] {
    const events = this.textOpen ? [this.stop()] : [];
    this.textOpen = false;
    if (!this.thinkingOpen) {
      this.thinkingOpen = true;
      events.push({
        type: 'content_block_start',
        index: this.index,
        content_block: { type: 'thinking', thinking: '' },
      });
    }
    events.push({
      type: 'content_block_delta',
      index: this.index,
      delta: { type: 'thinking_delta', thinking: text },
    });
    return events;
  }

  private text(text: string): MessagesStreamEvent[] {
    const events = this.closeThinking();
    if (!this.textOpen) {
      this.textOpen = true;
      events.push({
        type: 'content_block_start',
        index: this.index,
        content_block: { type: 'text', text: '' },
      });
    }
    events.push({ type: 'content_block_delta', index: this.index, delta: { type: 'text_delta', text } });
    return events;
  }

  private toolUse(call: OllamaToolCall): MessagesStreamEvent[] {
    const events = this.closeThinking();
    if (this.textOpen) events.push(this.stop());
    this.textOpen = false;
    const block = toolUse(call) as Extract<ContentBlock, { type: 'tool_use' }>;
    const index = this.index;
    events.push(
      { type: 'content_block_start', index, content_block: { ...block, input: {} } },
      {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      },
      this.stop(),
    );
    this.toolCalls++;
    return events;
  }

  private closeThinking(): MessagesStreamEvent[] {
    if (!this.thinkingOpen || this.thinkingDone) return [];
    this.thinkingDone = true;
    return [this.stop()];
  }

  /** Closes the open block; the next one gets the next index. */
  private stop(): MessagesStreamEvent {
    return { type: 'content_block_stop', index: this.index++ };
  }
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
