import { OllamaChunk, OllamaToolCall } from '@gridllm/contracts';

import { toOpenAiToolCalls } from './chat-response.translator';
import { SseTranslator } from './openai-wire';
import {
  RequestEcho,
  ResponseIds,
  finalStatus,
  messageItem,
  outputText,
  reasoningItem,
  responseUsage,
} from './responses-object';

/** Function call items of Ollama tool calls (arguments as a JSON string). */
function functionCallItems(prefix: string, calls: readonly OllamaToolCall[], status: string): object[] {
  return toOpenAiToolCalls(calls).map((call, i) => ({
    id: `${prefix}_${i}`,
    type: 'function_call',
    status,
    call_id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
  }));
}

/**
 * The merged `stream:false` answer of a chat job → the response object (Ollama's `ToResponse`): a
 * reasoning item when the model thought, then its function calls, or else one message item.
 */
export function toResponse(
  ids: ResponseIds,
  echo: RequestEcho,
  result: OllamaChunk,
): Record<string, unknown> {
  const output: object[] = [];
  const message = result.message;
  if (message?.thinking) output.push(reasoningItem(`rs_${ids.responseId}`, message.thinking));
  if (message?.tool_calls?.length) {
    output.push(...functionCallItems(`fc_${ids.responseId}`, message.tool_calls, 'completed'));
  } else {
    output.push(messageItem(ids.itemId, 'completed', message?.content ?? ''));
  }
  return echo.response(ids, finalStatus(result), output, responseUsage(result));
}

/**
 * The named events of one Responses stream (Ollama's `ResponsesStreamConverter`), each with its
 * `sequence_number`: created, in_progress; a reasoning item; function call items, or a message item
 * whose text streams as `response.output_text.delta`; then the closing events and `response.completed`
 * with the whole response. A failure after the start ends the stream with `response.failed`.
 */
export class ResponsesStreamTranslator implements SseTranslator {
  private sequence = 0;
  private outputIndex = 0;
  private started = false;
  private thinking: string | null = null;
  private text: string | null = null;
  private calledTools = false;
  private readonly done: object[] = [];

  constructor(
    private readonly ids: ResponseIds,
    private readonly echo: RequestEcho,
  ) {}

  chunk(chunk: OllamaChunk): object[] {
    const events = this.start();
    const message = chunk.message;
    if (message?.thinking) events.push(...this.think(message.thinking));
    if (message?.tool_calls?.length) events.push(...this.call(message.tool_calls));
    else if (!this.calledTools && message?.content) events.push(...this.say(message.content));
    return events;
  }

  final(chunk: OllamaChunk): object[] {
    const events = [...this.chunk(chunk), ...this.endThinking(), ...this.endText()];
    const response = this.echo.response(this.ids, finalStatus(chunk), this.done, responseUsage(chunk));
    const type = response.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    return [...events, this.event(type, { response })];
  }

  failed(_status: number, message: string): object[] {
    const response = {
      ...this.echo.response(this.ids, 'failed', this.done, null),
      error: { code: 'server_error', message },
    };
    return [...this.start(), this.event('response.failed', { response })];
  }

  private start(): object[] {
    if (this.started) return [];
    this.started = true;
    const response = () => this.echo.response(this.ids, 'in_progress', [], null);
    return [
      this.event('response.created', { response: response() }),
      this.event('response.in_progress', { response: response() }),
    ];
  }

  private think(delta: string): object[] {
    const events: object[] = [];
    if (this.thinking === null) {
      this.thinking = '';
      const item = { id: this.reasoningId(), type: 'reasoning', summary: [] };
      events.push(this.event('response.output_item.added', { output_index: this.outputIndex, item }));
    }
    this.thinking += delta;
    events.push(
      this.event('response.reasoning_summary_text.delta', {
        item_id: this.reasoningId(),
        output_index: this.outputIndex,
        summary_index: 0,
        delta,
      }),
    );
    return events;
  }

  private endThinking(): object[] {
    if (this.thinking === null) return [];
    const item = reasoningItem(this.reasoningId(), this.thinking);
    const at = { item_id: this.reasoningId(), output_index: this.outputIndex };
    const events = [
      this.event('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: this.thinking }),
      this.event('response.output_item.done', { output_index: this.outputIndex, item }),
    ];
    this.done.push(item);
    this.thinking = null;
    this.outputIndex++;
    return events;
  }

  private call(calls: readonly OllamaToolCall[]): object[] {
    const events = this.endThinking();
    this.calledTools = true;
    const items = functionCallItems(`fc_${this.ids.responseId}_${this.outputIndex}`, calls, 'completed');
    for (const item of items as Array<{ id: string; arguments: string }>) {
      const at = { item_id: item.id, output_index: this.outputIndex };
      events.push(
        this.event('response.output_item.added', {
          output_index: this.outputIndex,
          item: { ...item, status: 'in_progress', arguments: '' },
        }),
        this.event('response.function_call_arguments.delta', { ...at, delta: item.arguments }),
        this.event('response.function_call_arguments.done', { ...at, arguments: item.arguments }),
        this.event('response.output_item.done', { output_index: this.outputIndex, item }),
      );
      this.done.push(item);
      this.outputIndex++;
    }
    return events;
  }

  private say(delta: string): object[] {
    const events = this.endThinking();
    const at = { item_id: this.ids.itemId, output_index: this.outputIndex };
    if (this.text === null) {
      this.text = '';
      events.push(
        this.event('response.output_item.added', {
          output_index: this.outputIndex,
          item: messageItem(this.ids.itemId, 'in_progress'),
        }),
        this.event('response.content_part.added', { ...at, content_index: 0, part: outputText('') }),
      );
    }
    this.text += delta;
    events.push(this.event('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] }));
    return events;
  }

  private endText(): object[] {
    if (this.text === null) return [];
    const text = this.text;
    const item = messageItem(this.ids.itemId, 'completed', text);
    const at = { item_id: this.ids.itemId, output_index: this.outputIndex, content_index: 0 };
    this.done.push(item);
    this.text = null;
    return [
      this.event('response.output_text.done', { ...at, text, logprobs: [] }),
      this.event('response.content_part.done', { ...at, part: outputText(text) }),
      this.event('response.output_item.done', { output_index: this.outputIndex++, item }),
    ];
  }

  private reasoningId(): string {
    return `rs_${this.ids.responseId}`;
  }

  /** An event: its type (also the SSE event name), its fields, and the stream's next sequence number. */
  private event(type: string, fields: object): object {
    return { type, ...fields, sequence_number: this.sequence++ };
  }
}
