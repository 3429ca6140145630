import { InvalidRequestError } from '@gridllm/contracts';

import { RequestFields, jsonKind } from './request-fields';

/**
 * Where the two requests differ in Ollama's middleware (`FromChatRequest` / `FromCompleteRequest`):
 * completions hold penalties and `top_p` as plain float32 (so 0 means absent and both penalties are
 * always sent) and reject a non-string stop entry, which chat drops. Chat also reads
 * `max_completion_tokens`, the newer name of `max_tokens` (an extension over Ollama).
 */
export type SamplingFlavour = 'chat' | 'completion';

/**
 * Ollama `options` for OpenAI's sampling fields: `stop`, `max_tokens`→`num_predict`, `temperature`
 * (default 1.0, OpenAI's default rather than the model's), `seed`, the penalties and `top_p` (default
 * 1.0). Keys come out sorted, as Go marshals a map.
 */
export function samplingOptions(fields: RequestFields, flavour: SamplingFlavour): Record<string, unknown> {
  const chat = flavour === 'chat';
  const float = chat ? 'float64' : 'float32';
  const options: Record<string, unknown> = {};
  const stop = stopList(fields.body.stop, !chat);
  if (stop !== undefined) options.stop = stop;
  const maxTokens = fields.int('max_tokens') ?? (chat ? fields.int('max_completion_tokens') : undefined);
  if (maxTokens !== undefined) options.num_predict = maxTokens;
  options.temperature = fields.number('temperature', float) ?? 1.0;
  const seed = fields.int('seed');
  if (seed !== undefined) options.seed = seed;
  for (const penalty of ['frequency_penalty', 'presence_penalty']) {
    const value = fields.number(penalty, float);
    if (value !== undefined || !chat) options[penalty] = value ?? 0;
  }
  const topP = fields.number('top_p', float);
  options.top_p = topP === undefined || (!chat && topP === 0) ? 1.0 : topP;
  return Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A string is one stop sequence; an array keeps its strings; anything else is ignored, as in Ollama. */
function stopList(stop: unknown, strict: boolean): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (!Array.isArray(stop)) return undefined;
  const stops: string[] = [];
  for (const entry of stop) {
    if (typeof entry === 'string') stops.push(entry);
    else if (strict) throw new InvalidRequestError(`invalid type for 'stop' field: ${goTypeName(entry)}`);
  }
  return stops.length > 0 ? stops : undefined;
}

/** Go's `%T` of a decoded JSON value. */
export function goTypeName(value: unknown): string {
  switch (jsonKind(value)) {
    case 'null':
    case 'undefined':
      return '<nil>';
    case 'number':
      return 'float64';
    case 'array':
      return '[]interface {}';
    case 'object':
      return 'map[string]interface {}';
    default:
      return jsonKind(value);
  }
}
