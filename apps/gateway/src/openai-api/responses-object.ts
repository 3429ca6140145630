import { randomBytes } from 'node:crypto';

import { OllamaChunk } from '@gridllm/contracts';

import { isRecord } from './request-fields';

/** Ids of one response: its own (`resp_…`) and its message item's (`msg_…`). */
export interface ResponseIds {
  responseId: string;
  itemId: string;
}

export function newResponseIds(): ResponseIds {
  const hex = randomBytes(12).toString('hex');
  return { responseId: `resp_${hex}`, itemId: `msg_${hex}` };
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** What a response object repeats of its request (Ollama's `ToResponse` echo), fixed per request. */
export class RequestEcho {
  constructor(private readonly body: Record<string, unknown>) {}

  get model(): string {
    return typeof this.body.model === 'string' ? this.body.model : '';
  }

  /** The response object in Go's field order; `output`, `usage` and the status come from the job. */
  response(
    ids: ResponseIds,
    status: ResponseStatus,
    output: object[],
    usage: object | null,
  ): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const b = this.body;
    return {
      id: ids.responseId,
      object: 'response',
      created_at: now,
      completed_at: status === 'completed' || status === 'incomplete' ? now : null,
      status,
      incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
      model: this.model,
      previous_response_id: null,
      instructions: typeof b.instructions === 'string' && b.instructions !== '' ? b.instructions : null,
      output,
      error: null,
      tools: (Array.isArray(b.tools) ? b.tools : []).filter(isRecord).map(echoTool),
      tool_choice: 'auto',
      truncation: typeof b.truncation === 'string' ? b.truncation : 'disabled',
      parallel_tool_calls: true,
      text: { format: isRecord(b.text) && isRecord(b.text.format) ? b.text.format : { type: 'text' } },
      top_p: typeof b.top_p === 'number' ? b.top_p : 1.0,
      presence_penalty: 0,
      frequency_penalty: 0,
      top_logprobs: 0,
      temperature: typeof b.temperature === 'number' ? b.temperature : 1.0,
      reasoning: this.reasoning(),
      usage,
      max_output_tokens: typeof b.max_output_tokens === 'number' ? b.max_output_tokens : null,
      max_tool_calls: null,
      store: false,
      background: b.background === true,
      service_tier: 'default',
      metadata: {},
      safety_identifier: null,
      prompt_cache_key: null,
    };
  }

  private reasoning(): object | null {
    const reasoning = isRecord(this.body.reasoning) ? this.body.reasoning : {};
    const effort = typeof reasoning.effort === 'string' && reasoning.effort !== '' ? reasoning.effort : null;
    const summary =
      typeof reasoning.summary === 'string' && reasoning.summary !== '' ? reasoning.summary : null;
    return effort || summary ? { effort, summary } : null;
  }
}

function echoTool(tool: Record<string, unknown>): object {
  return {
    type: tool.type,
    name: tool.name,
    description: tool.description ?? null,
    strict: tool.strict ?? null,
    parameters: tool.parameters ?? null,
  };
}

/** Usage of the final chunk's counts. */
export function responseUsage(chunk: OllamaChunk): object {
  const input = count(chunk.prompt_eval_count);
  const output = count(chunk.eval_count);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens_details: { reasoning_tokens: 0 },
  };
}

/** `length` means max_output_tokens cut the answer: OpenAI's "incomplete". */
export function finalStatus(chunk: OllamaChunk): ResponseStatus {
  return chunk.done_reason === 'length' ? 'incomplete' : 'completed';
}

export function outputText(text: string): object {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function messageItem(id: string, status: 'in_progress' | 'completed', text?: string): object {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: text === undefined ? [] : [outputText(text)],
  };
}

export function reasoningItem(id: string, thinking: string): object {
  return {
    id,
    type: 'reasoning',
    summary: [{ type: 'summary_text', text: thinking }],
    encrypted_content: thinking,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
