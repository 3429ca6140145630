import { OllamaChunk } from '@gridllm/contracts';

import { finishReason, toUsage, unixSeconds } from './chat-response.translator';
import { Completion, SYSTEM_FINGERPRINT, SseTranslator } from './openai-wire';
import { RequestFields } from './request-fields';
import { samplingOptions } from './sampling-options';

/**
 * `POST /v1/completions` → the Ollama `/api/generate` request (Ollama's `FromCompleteRequest`): the
 * prompt must be one string; `suffix` is passed on for fill-in-the-middle.
 */
export function toOllamaGenerateRequest(body: Record<string, unknown>): Record<string, unknown> {
  const fields = new RequestFields(body, 'CompletionRequest');
  const out: Record<string, unknown> = {
    model: fields.string('model'),
    prompt: fields.string('prompt') ?? '',
  };
  const suffix = fields.string('suffix');
  if (suffix) out.suffix = suffix;
  out.stream = fields.bool('stream') ?? false;
  out.options = samplingOptions(fields, 'completion');
  return out;
}

/** The merged `stream:false` answer of a generate job → `text_completion` (Ollama's `ToCompletion`). */
export function toCompletion(id: string, result: OllamaChunk): Completion {
  return {
    id,
    object: 'text_completion',
    created: unixSeconds(result.created_at),
    model: result.model ?? '',
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      { text: result.response ?? '', index: 0, finish_reason: finishReason(result.done_reason, false) },
    ],
    usage: toUsage(result),
  };
}

/**
 * The SSE chunks of one completions stream (Ollama's CompleteWriter): one `text_completion` chunk per
 * engine chunk, the last with `finish_reason`. With `include_usage` every chunk carries a zero `usage`
 * (as Ollama's do) and a final chunk with `choices: []` carries the real one.
 */
export class CompletionStreamTranslator implements SseTranslator {
  constructor(
    private readonly id: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  chunk(chunk: OllamaChunk): object[] {
    return [this.toChunk(chunk)];
  }

  final(chunk: OllamaChunk): object[] {
    const last = this.toChunk(chunk);
    if (!this.includeUsage) return [last];
    return [last, { ...last, choices: [], usage: toUsage(chunk) }];
  }

  private toChunk(chunk: OllamaChunk): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: this.id,
      object: 'text_completion',
      created: this.created,
      choices: [
        { text: chunk.response ?? '', index: 0, finish_reason: finishReason(chunk.done_reason, false) },
      ],
      model: chunk.model ?? '',
      system_fingerprint: SYSTEM_FINGERPRINT,
    };
    if (this.includeUsage) out.usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    return out;
  }
}
