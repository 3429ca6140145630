import { InvalidRequestError, OllamaMessage, OllamaToolCall } from '@gridllm/contracts';

import { RequestFields, isRecord } from './request-fields';
import { goTypeName, samplingOptions } from './sampling-options';

const STRUCT = 'ChatCompletionRequest';
const REASONING_EFFORTS = ['high', 'medium', 'low', 'max', 'none'];
const IMAGE_PREFIXES = [
  'data:;base64,',
  ...['jpeg', 'jpg', 'png', 'webp'].map((t) => `data:image/${t};base64,`),
];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `POST /v1/chat/completions` → the Ollama `/api/chat` request, as Ollama's middleware builds it
 * (`FromChatRequest`). Throws InvalidRequestError with Ollama's messages for what it rejects.
 */
export function toOllamaChatRequest(body: Record<string, unknown>): Record<string, unknown> {
  const fields = new RequestFields(body, STRUCT);
  const messages = fields.array('messages', '[]openai.Message') ?? [];
  if (messages.length === 0) throw new InvalidRequestError("[] is too short - 'messages'");
  const out: Record<string, unknown> = {
    model: fields.string('model'),
    messages: toOllamaMessages(messages),
    stream: fields.bool('stream') ?? false,
  };
  const format = responseFormat(fields.object('response_format', 'openai.ResponseFormat'));
  if (format !== undefined) out.format = format;
  const tools = fields.array('tools', '[]api.Tool');
  if (tools && tools.length > 0) out.tools = tools;
  out.options = samplingOptions(fields, 'chat');
  const think = thinkValue(fields);
  if (think !== undefined) out.think = think;
  if (fields.bool('logprobs') === true) out.logprobs = true;
  const topLogprobs = fields.int('top_logprobs');
  if (topLogprobs) out.top_logprobs = topLogprobs;
  return out;
}

/** `json_object` → `"json"`, `json_schema` → its schema; other types mean plain text. */
function responseFormat(format: Record<string, unknown> | undefined): unknown {
  const type = typeof format?.type === 'string' ? format.type.trim().toLowerCase() : '';
  if (type === 'json_object') return 'json';
  if (type === 'json_schema' && isRecord(format?.json_schema)) return format.json_schema.schema ?? undefined;
  return undefined;
}

/** `reasoning.effort` (wins) or `reasoning_effort` → `think`: a level, or false for "none". */
function thinkValue(fields: RequestFields): string | boolean | undefined {
  const reasoning = fields.object('reasoning', 'openai.Reasoning');
  const effort = reasoning ? reasoning.effort : fields.string('reasoning_effort');
  if (effort === undefined || effort === null || effort === '') return undefined;
  if (typeof effort !== 'string' || !REASONING_EFFORTS.includes(effort)) {
    throw new InvalidRequestError(
      `invalid reasoning value: '${typeof effort === 'string' ? effort : JSON.stringify(effort)}' (must be "high", "medium", "low", "max", or "none")`,
    );
  }
  return effort === 'none' ? false : effort;
}

/** One Ollama message per OpenAI message, or per content part when the content is an array. */
export function toOllamaMessages(messages: unknown[]): OllamaMessage[] {
  const out: OllamaMessage[] = [];
  for (const raw of messages) {
    const msg = isRecord(raw) ? raw : {};
    const role = typeof msg.role === 'string' ? msg.role : '';
    const reasoning = typeof msg.reasoning === 'string' ? msg.reasoning : '';
    const toolCallId = typeof msg.tool_call_id === 'string' ? msg.tool_call_id : '';
    const toolName = role.toLowerCase() === 'tool' ? toolNameOf(msg, messages) : '';
    const toolCalls = Array.isArray(msg.tool_calls) ? fromOpenAiToolCalls(msg.tool_calls) : undefined;
    const base = { toolCalls, toolName, toolCallId, reasoning };
    if (typeof msg.content === 'string') {
      out.push(message(role, msg.content, base));
    } else if (Array.isArray(msg.content)) {
      const parts = msg.content.map((part) => contentPart(role, part));
      // Tool calls (and the message's reasoning) go on the last message the parts produced.
      if (parts.length > 0 && toolCalls && toolCalls.length > 0) {
        const last = parts.pop() as OllamaMessage;
        parts.push(message(role, last.content, { ...base, images: last.images ?? undefined }));
      }
      out.push(...parts);
    } else if (toolCalls) {
      out.push(message(role, '', base));
    } else {
      throw new InvalidRequestError(`invalid message content type: ${goTypeName(msg.content)}`);
    }
  }
  return out;
}

interface MessageExtras {
  reasoning?: string;
  images?: string[];
  toolCalls?: OllamaToolCall[];
  toolName?: string;
  toolCallId?: string;
}

/** An Ollama `api.Message`: empty optional fields left out (Go `omitempty`), in Go field order. */
function message(role: string, content: string, extras: MessageExtras = {}): OllamaMessage {
  const out: OllamaMessage = { role, content };
  if (extras.reasoning) out.thinking = extras.reasoning;
  if (extras.images && extras.images.length > 0) out.images = extras.images;
  if (extras.toolCalls && extras.toolCalls.length > 0) out.tool_calls = extras.toolCalls;
  if (extras.toolName) out.tool_name = extras.toolName;
  if (extras.toolCallId) out.tool_call_id = extras.toolCallId;
  return out;
}

function contentPart(role: string, part: unknown): OllamaMessage {
  if (!isRecord(part)) throw new InvalidRequestError('invalid message format');
  if (part.type === 'text') {
    if (typeof part.text !== 'string') throw new InvalidRequestError('invalid message format');
    return message(role, part.text);
  }
  if (part.type === 'image_url') {
    const url = isRecord(part.image_url) ? part.image_url.url : part.image_url;
    if (typeof url !== 'string') throw new InvalidRequestError('invalid message format');
    return message(role, '', { images: [imageData(url)] });
  }
  throw new InvalidRequestError('invalid message format');
}

/** A base64 data URL → the bare base64 Ollama expects; remote URLs are not fetched (as in Ollama). */
export function imageData(url: string): string {
  if (url.startsWith('http://') || url.startsWith('https://')) {
    throw new InvalidRequestError(
      'image URLs are not currently supported, please use base64 encoded data instead',
    );
  }
  const prefix = IMAGE_PREFIXES.find((candidate) => url.startsWith(candidate));
  if (!prefix) throw new InvalidRequestError('invalid image input');
  return canonicalBase64(url.slice(prefix.length), 'invalid image input');
}

/** Standard base64 (line breaks allowed), re-encoded canonically as Ollama's decode and encode do. */
export function canonicalBase64(text: string, problem: string): string {
  const data = text.replace(/[\r\n]/g, '');
  if (!BASE64.test(data)) throw new InvalidRequestError(problem);
  return Buffer.from(data, 'base64').toString('base64');
}

/** OpenAI tool calls (arguments as a JSON string) → Ollama's (arguments as an object). */
export function fromOpenAiToolCalls(toolCalls: unknown[]): OllamaToolCall[] {
  return toolCalls.map((raw) => {
    const call = isRecord(raw) ? raw : {};
    const fn = isRecord(call.function) ? call.function : {};
    const out: OllamaToolCall = {
      function: { name: typeof fn.name === 'string' ? fn.name : '', arguments: toolArguments(fn.arguments) },
    };
    if (typeof call.id === 'string' && call.id !== '') return { id: call.id, ...out };
    return out;
  });
}

function toolArguments(value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : undefined;
    if (parsed === null) return {};
    if (isRecord(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw new InvalidRequestError('invalid tool call arguments');
}

/** A tool result names its tool by `name`, else by the id of the call it answers (the latest such call). */
function toolNameOf(msg: Record<string, unknown>, messages: unknown[]): string {
  if (typeof msg.name === 'string' && msg.name !== '') return msg.name;
  if (typeof msg.tool_call_id !== 'string' || msg.tool_call_id === '') return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const calls = isRecord(messages[i]) ? (messages[i] as Record<string, unknown>).tool_calls : undefined;
    if (!Array.isArray(calls)) continue;
    const match = calls.find((call) => isRecord(call) && call.id === msg.tool_call_id);
    if (isRecord(match) && isRecord(match.function) && typeof match.function.name === 'string') {
      return match.function.name;
    }
  }
  return '';
}
