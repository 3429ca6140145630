import { InvalidRequestError, OllamaMessage, OllamaToolCall } from '@gridllm/contracts';

import { canonicalBase64 } from '../openai-api/chat-request.translator';
import { RequestFields, isRecord, jsonKind } from '../openai-api/request-fields';

const STRUCT = 'MessagesRequest';
const EFFORTS = ['high', 'medium', 'low', 'max'];

/**
 * `POST /v1/messages` (Anthropic) → the Ollama `/api/chat` request, as Ollama's anthropic middleware
 * builds it (`FromMessagesRequest`). Throws InvalidRequestError with Ollama's messages for what it rejects.
 */
export function toOllamaChatFromMessages(body: Record<string, unknown>): Record<string, unknown> {
  const fields = new RequestFields(body, STRUCT);
  const model = fields.string('model') ?? '';
  const maxTokens = fields.int('max_tokens') ?? 0;
  const messages = fields.array('messages', '[]anthropic.MessageParam') ?? [];
  if (model === '') throw new InvalidRequestError('model is required');
  if (maxTokens <= 0) throw new InvalidRequestError('max_tokens is required and must be positive');
  if (messages.length === 0) throw new InvalidRequestError('messages is required');
  const out: Record<string, unknown> = {
    model,
    messages: [...systemMessages(body.system), ...messages.flatMap(toOllamaMessages)],
    stream: fields.bool('stream') ?? false,
    options: samplingOptions(fields, maxTokens),
  };
  const tools = toolsOf(fields);
  if (tools.length > 0) out.tools = tools;
  const think = thinkValue(fields);
  if (think !== undefined) out.think = think;
  return out;
}

/** `system` as a string, or text blocks joined; anything else is ignored, as in Ollama. */
function systemMessages(system: unknown): OllamaMessage[] {
  const text =
    typeof system === 'string'
      ? system
      : Array.isArray(system)
        ? system.map((block) => (isRecord(block) && block.type === 'text' ? textOf(block.text) : '')).join('')
        : '';
  return text === '' ? [] : [{ role: 'system', content: text }];
}

/** `num_predict` from max_tokens, then the sampling fields the request sets. */
function samplingOptions(fields: RequestFields, maxTokens: number): Record<string, unknown> {
  const options: Record<string, unknown> = { num_predict: maxTokens };
  const temperature = fields.number('temperature');
  if (temperature !== undefined) options.temperature = temperature;
  const topP = fields.number('top_p');
  if (topP !== undefined) options.top_p = topP;
  const topK = fields.int('top_k');
  if (topK !== undefined) options.top_k = topK;
  const stops = fields.array('stop_sequences', '[]string');
  if (stops && stops.length > 0) {
    if (!stops.every((stop) => typeof stop === 'string')) {
      throw new InvalidRequestError(
        `json: cannot unmarshal ${jsonKind(stops.find((stop) => typeof stop !== 'string'))} into Go struct field ${STRUCT}.stop_sequences of type string`,
      );
    }
    options.stop = stops;
  }
  return options;
}

/** Custom tools → Ollama function tools; `tool_choice: {"type":"none"}` sends none (the others cannot be enforced). */
function toolsOf(fields: RequestFields): unknown[] {
  const tools = fields.array('tools', '[]anthropic.Tool') ?? [];
  if (fields.object('tool_choice', 'anthropic.ToolChoice')?.type === 'none') return [];
  return tools.map((raw) => {
    const tool = isRecord(raw) ? raw : {};
    const name = typeof tool.name === 'string' ? tool.name : '';
    const schema = tool.input_schema;
    if (schema !== undefined && schema !== null && !isRecord(schema)) {
      throw new InvalidRequestError(`invalid input_schema for tool "${name}": must be a JSON object`);
    }
    const fn: Record<string, unknown> = { name };
    if (typeof tool.description === 'string' && tool.description !== '') fn.description = tool.description;
    fn.parameters = schema ?? { type: 'object', properties: {} };
    return { type: 'function', function: fn };
  });
}

/** `thinking.type` enabled/disabled → think true/false; else `output_config.effort` → a level. */
function thinkValue(fields: RequestFields): boolean | string | undefined {
  const thinking = fields.object('thinking', 'anthropic.ThinkingConfig');
  if (thinking?.type === 'enabled') return true;
  if (thinking?.type === 'disabled') return false;
  const config = fields.object('output_config', 'anthropic.OutputConfig');
  const effort = typeof config?.effort === 'string' ? config.effort.trim().toLowerCase() : '';
  const level = effort === 'xhigh' ? 'high' : effort;
  return EFFORTS.includes(level) ? level : undefined;
}

/**
 * One Anthropic message → Ollama messages: its text, images, tool_use and thinking blocks as one message,
 * its tool_result blocks as `tool` messages (before it for a user, after it otherwise).
 */
export function toOllamaMessages(raw: unknown): OllamaMessage[] {
  const msg = isRecord(raw) ? raw : {};
  const role = typeof msg.role === 'string' ? msg.role.toLowerCase() : '';
  const blocks = contentBlocks(msg.content);
  let text = '';
  let thinking = '';
  const images: string[] = [];
  const toolCalls: OllamaToolCall[] = [];
  const toolResults: OllamaMessage[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        text += textOf(block.text);
        break;
      case 'image':
        images.push(imageOf(block.source));
        break;
      case 'tool_use':
        toolCalls.push(toolCallOf(block));
        break;
      case 'tool_result':
        toolResults.push(toolResultOf(block));
        break;
      case 'thinking':
        thinking = textOf(block.thinking);
        break;
    }
  }
  const out: OllamaMessage[] = role === 'user' ? [...toolResults] : [];
  if (text !== '' || images.length > 0 || toolCalls.length > 0 || thinking !== '') {
    const message: OllamaMessage = { role, content: text };
    if (thinking !== '') message.thinking = thinking;
    if (images.length > 0) message.images = images;
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    out.push(message);
  }
  return role === 'user' ? out : [...out, ...toolResults];
}

/** Content as Ollama reads it: a string is one text block, an array its blocks. */
function contentBlocks(content: unknown): Array<Record<string, unknown>> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) {
    throw new InvalidRequestError(
      `json: cannot unmarshal ${jsonKind(content)} into Go struct field MessageParam.messages.content of type []anthropic.ContentBlock`,
    );
  }
  return content.map((block) => {
    if (!isRecord(block)) throw new InvalidRequestError('invalid content block: must be an object');
    return block;
  });
}

function imageOf(source: unknown): string {
  if (!isRecord(source)) throw new InvalidRequestError('invalid image source');
  if (source.type !== 'base64') {
    throw new InvalidRequestError(
      `invalid image source type: ${textOf(source.type)}. Only base64 images are supported.`,
    );
  }
  return canonicalBase64(textOf(source.data), 'invalid base64 image data');
}

function toolCallOf(block: Record<string, unknown>): OllamaToolCall {
  const id = textOf(block.id);
  const name = textOf(block.name);
  if (id === '') throw new InvalidRequestError("tool_use block missing required 'id' field");
  if (name === '') throw new InvalidRequestError("tool_use block missing required 'name' field");
  return { id, function: { name, arguments: isRecord(block.input) ? block.input : {} } };
}

/** A tool result's text (a string, or its text blocks) and images, answering `tool_use_id`. */
function toolResultOf(block: Record<string, unknown>): OllamaMessage {
  const parts = Array.isArray(block.content) ? block.content.filter(isRecord) : [];
  const content =
    typeof block.content === 'string'
      ? block.content
      : parts.map((part) => (part.type === 'text' ? textOf(part.text) : '')).join('');
  const images = parts.filter((part) => part.type === 'image').map((part) => imageOf(part.source));
  const message: OllamaMessage = { role: 'tool', content };
  if (images.length > 0) message.images = images;
  const callId = textOf(block.tool_use_id);
  if (callId !== '') message.tool_call_id = callId;
  return message;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Ollama's rough input estimate (characters / 4) for `message_start`, before the engine has counted. */
export function estimateInputTokens(body: Record<string, unknown>): number {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  let chars = typeof body.system === 'string' ? body.system.length : JSON.stringify(body.system ?? '').length;
  for (const msg of messages) {
    chars += textOf(msg.role).length;
    chars += typeof msg.content === 'string' ? msg.content.length : JSON.stringify(msg.content ?? '').length;
  }
  for (const tool of Array.isArray(body.tools) ? body.tools.filter(isRecord) : []) {
    chars += textOf(tool.name).length + textOf(tool.description).length;
    chars += JSON.stringify(tool.input_schema ?? '').length;
  }
  return Math.max(messages.length > 0 ? 1 : 0, Math.floor(chars / 4));
}
