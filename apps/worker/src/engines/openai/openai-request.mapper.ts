import { OllamaMessage, OllamaToolCall } from '@gridllm/contracts';

import { EngineError } from '../inference-engine';

type Body = Record<string, unknown>;

/** Ollama `options` that OpenAI-compatible servers take under the same name (top_k, min_p: vLLM and llama-server extensions). */
const SAME_NAME_OPTIONS = [
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'seed',
  'frequency_penalty',
  'presence_penalty',
];

/**
 * Ollama `/api/chat` → `/v1/chat/completions`. Always streamed with `include_usage`, so the final
 * line's eval_count / prompt_eval_count come from the server's own count.
 */
export function toChatCompletionBody(request: Body, model: string): Body {
  const messages = Array.isArray(request.messages) ? (request.messages as OllamaMessage[]) : [];
  const body: Body = { model, messages: messages.map(toOpenAiMessage), ...common(request) };
  if (Array.isArray(request.tools) && request.tools.length > 0) body.tools = request.tools;
  return body;
}

/** Ollama `/api/generate` → `/v1/completions` (the prompt as given; `system` goes before it). */
export function toCompletionBody(request: Body, model: string): Body {
  if (Array.isArray(request.images) && request.images.length > 0)
    throw new EngineError(
      'this worker runs on an OpenAI-compatible server (ENGINE=openai), whose /v1/completions takes no images: send them with /api/chat',
      400,
    );
  const prompt = typeof request.prompt === 'string' ? request.prompt : '';
  const system = typeof request.system === 'string' && request.system ? `${request.system}\n\n` : '';
  const body: Body = { model, prompt: `${system}${prompt}`, ...common(request) };
  if (typeof request.suffix === 'string' && request.suffix) body.suffix = request.suffix;
  return body;
}

/** Sampling options, the answer's length and format, and the streaming flags both endpoints share. */
function common(request: Body): Body {
  const options = (
    typeof request.options === 'object' && request.options !== null ? request.options : {}
  ) as Body;
  const body: Body = { stream: true, stream_options: { include_usage: true } };
  for (const name of SAME_NAME_OPTIONS) if (typeof options[name] === 'number') body[name] = options[name];
  const stop = typeof options.stop === 'string' ? [options.stop] : options.stop;
  if (Array.isArray(stop) && stop.length > 0) body.stop = stop;
  // Ollama's -1 (and -2) mean "until done": the server's own limit applies.
  if (typeof options.num_predict === 'number' && options.num_predict >= 0)
    body.max_tokens = options.num_predict;
  const format = responseFormat(request.format);
  if (format) body.response_format = format;
  return body;
}

/** `format: "json"` → JSON mode; a JSON schema object → structured output with that schema. */
function responseFormat(format: unknown): Body | undefined {
  if (format === 'json') return { type: 'json_object' };
  if (typeof format === 'object' && format !== null)
    return { type: 'json_schema', json_schema: { name: 'response', schema: format } };
  return undefined;
}

function toOpenAiMessage(message: OllamaMessage): Body {
  const out: Body = { role: message.role, content: content(message) };
  if (message.tool_calls?.length) out.tool_calls = message.tool_calls.map(toOpenAiToolCall);
  if (typeof message.tool_call_id === 'string' && message.tool_call_id)
    out.tool_call_id = message.tool_call_id;
  if (typeof message.tool_name === 'string' && message.tool_name && message.role === 'tool')
    out.name = message.tool_name;
  return out;
}

/** Text alone, or text and images as content parts (Ollama holds images as bare base64). */
function content(message: OllamaMessage): string | Body[] {
  const text = typeof message.content === 'string' ? message.content : '';
  if (!message.images?.length) return text;
  const images = message.images.map((data) => ({
    type: 'image_url',
    image_url: { url: `data:image/png;base64,${data}` },
  }));
  return [{ type: 'text', text }, ...images];
}

function toOpenAiToolCall(call: OllamaToolCall, index: number): Body {
  return {
    id: call.id ?? `call_${index}`,
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
  };
}
