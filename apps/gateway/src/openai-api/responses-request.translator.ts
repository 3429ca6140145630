import { InvalidRequestError, OllamaMessage, OllamaToolCall } from '@gridllm/contracts';

import { imageData } from './chat-request.translator';
import { RequestFields, isRecord, jsonKind } from './request-fields';

const STRUCT = 'ResponsesRequest';
/** Stateful features of OpenAI's Responses API: the gateway (like Ollama) keeps no responses. */
const STATEFUL_FIELDS = ['previous_response_id', 'conversation'];
const EFFORTS: Readonly<Record<string, string | boolean>> = {
  none: false,
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  max: 'max',
  xhigh: 'max',
  ultra: 'max',
};

/**
 * `POST /v1/responses` (stateless) → the Ollama `/api/chat` request, as Ollama's middleware builds it
 * (`FromResponsesRequest`). Throws InvalidRequestError with Ollama's messages for what it rejects, and
 * for the stateful fields no stateless server can honour.
 */
export function toOllamaChatFromResponses(body: Record<string, unknown>): Record<string, unknown> {
  const fields = new RequestFields(body, STRUCT);
  for (const name of STATEFUL_FIELDS) {
    if (body[name] !== undefined && body[name] !== null) {
      throw new InvalidRequestError(
        `${name} is not supported: this server keeps no responses (stateless); send the whole conversation in input`,
      );
    }
  }
  const model = fields.string('model') ?? '';
  if (model === '') throw new InvalidRequestError('model is required');
  const instructions = fields.string('instructions') ?? '';
  const messages: OllamaMessage[] = instructions === '' ? [] : [{ role: 'system', content: instructions }];
  messages.push(...inputMessages(body.input));
  const out: Record<string, unknown> = { model, messages, stream: fields.bool('stream') ?? false };
  const format = textFormat(fields);
  if (format !== undefined) out.format = format;
  const tools = (fields.array('tools', '[]openai.ResponsesTool') ?? []).map(toOllamaTool);
  if (tools.length > 0) out.tools = tools;
  out.options = options(fields);
  const think = thinkValue(fields);
  if (think !== undefined) out.think = think;
  return out;
}

function options(fields: RequestFields): Record<string, unknown> {
  const out: Record<string, unknown> = { temperature: fields.number('temperature') ?? 1.0 };
  const topP = fields.number('top_p');
  if (topP !== undefined) out.top_p = topP;
  const max = fields.int('max_output_tokens');
  if (max !== undefined) out.num_predict = max;
  return out;
}

function textFormat(fields: RequestFields): unknown {
  const format = fields.object('text', 'openai.ResponsesText')?.format;
  return isRecord(format) && format.type === 'json_schema' ? (format.schema ?? undefined) : undefined;
}

function thinkValue(fields: RequestFields): string | boolean | undefined {
  const effort = fields.object('reasoning', 'openai.ResponsesReasoning')?.effort;
  if (effort === undefined || effort === null || effort === '') return undefined;
  if (typeof effort !== 'string' || !(effort in EFFORTS)) {
    throw new InvalidRequestError(
      `invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`,
    );
  }
  return EFFORTS[effort];
}

/** A function tool; `{type, name, description, parameters}` flat, as the Responses API declares it. */
function toOllamaTool(raw: unknown): Record<string, unknown> {
  const tool = isRecord(raw) ? raw : {};
  if (tool.type !== 'function') {
    throw new InvalidRequestError(
      `tool type ${JSON.stringify(tool.type ?? null)} is not supported: only "function" tools are`,
    );
  }
  const fn: Record<string, unknown> = { name: typeof tool.name === 'string' ? tool.name : '' };
  if (typeof tool.description === 'string' && tool.description !== '') fn.description = tool.description;
  fn.parameters = isRecord(tool.parameters) ? tool.parameters : { type: 'object', properties: {} };
  return { type: 'function', function: fn };
}

/** `input`: a string is one user message; items become messages, calls and tool results. */
function inputMessages(input: unknown): OllamaMessage[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return input === '' ? [] : [{ role: 'user', content: input }];
  if (!Array.isArray(input)) {
    throw new InvalidRequestError(`input must be a string or array: got ${jsonKind(input)}`);
  }
  const messages: OllamaMessage[] = [];
  let pendingThinking = '';
  input.forEach((raw, i) => {
    const item = isRecord(raw) ? raw : {};
    const type = typeof item.type === 'string' && item.type !== '' ? item.type : item.role ? 'message' : '';
    const where = `input[${i}]`;
    switch (type) {
      case 'message': {
        const message = inputMessage(item, where);
        if (message.role === 'assistant' && pendingThinking !== '') message.thinking = pendingThinking;
        if (message.role === 'assistant') pendingThinking = '';
        messages.push(message);
        break;
      }
      case 'function_call':
        addToolCall(messages, functionCall(item, where), pendingThinking);
        pendingThinking = '';
        break;
      case 'function_call_output':
        messages.push(toolResult(item, where));
        break;
      case 'reasoning':
        pendingThinking = typeof item.encrypted_content === 'string' ? item.encrypted_content : '';
        break;
      case '':
        throw new InvalidRequestError(`${where}: input item missing required 'type' field`);
      default:
        throw new InvalidRequestError(`${where}: unknown input item type: ${JSON.stringify(type)}`);
    }
  });
  if (pendingThinking !== '') messages.push({ role: 'assistant', content: '', thinking: pendingThinking });
  return messages;
}

function inputMessage(item: Record<string, unknown>, where: string): OllamaMessage {
  const { content, images } = contentOf(item.content, where);
  const message: OllamaMessage = { role: typeof item.role === 'string' ? item.role : '', content };
  if (images.length > 0) message.images = images;
  return message;
}

/** Text parts joined, `input_image` data URLs as base64 images; files are refused, as in Ollama. */
function contentOf(content: unknown, where: string): { content: string; images: string[] } {
  if (content === undefined || content === null) return { content: '', images: [] };
  if (typeof content === 'string') return { content, images: [] };
  if (!Array.isArray(content)) {
    throw new InvalidRequestError(`${where}: content must be a string or array: got ${jsonKind(content)}`);
  }
  let text = '';
  const images: string[] = [];
  content.forEach((raw, j) => {
    const part = isRecord(raw) ? raw : {};
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        text += typeof part.text === 'string' ? part.text : '';
        break;
      case 'input_image':
        if (typeof part.image_url === 'string' && part.image_url !== '')
          images.push(imageData(part.image_url));
        break;
      case 'input_file':
        throw new InvalidRequestError('file inputs are not currently supported');
      default:
        throw new InvalidRequestError(`${where}: content[${j}]: unknown content type: ${String(part.type)}`);
    }
  });
  return { content: text, images };
}

function functionCall(item: Record<string, unknown>, where: string): OllamaToolCall {
  let args: unknown = {};
  if (typeof item.arguments === 'string' && item.arguments !== '') {
    try {
      args = JSON.parse(item.arguments);
    } catch (error) {
      throw new InvalidRequestError(
        `${where}: failed to parse function call arguments: ${(error as Error).message}`,
      );
    }
  }
  const call: OllamaToolCall = {
    function: { name: typeof item.name === 'string' ? item.name : '', arguments: isRecord(args) ? args : {} },
  };
  return typeof item.call_id === 'string' && item.call_id !== '' ? { id: item.call_id, ...call } : call;
}

/** A call joins the assistant message before it (several calls of one turn), else starts one. */
function addToolCall(messages: OllamaMessage[], call: OllamaToolCall, thinking: string): void {
  const last = messages[messages.length - 1];
  const target: OllamaMessage = last?.role === 'assistant' ? last : { role: 'assistant', content: '' };
  if (target !== last) messages.push(target);
  target.tool_calls = [...(target.tool_calls ?? []), call];
  if (thinking !== '') target.thinking = thinking;
}

function toolResult(item: Record<string, unknown>, where: string): OllamaMessage {
  const { content, images } = contentOf(item.output, where);
  const message: OllamaMessage = { role: 'tool', content };
  if (images.length > 0) message.images = images;
  if (typeof item.call_id === 'string' && item.call_id !== '') message.tool_call_id = item.call_id;
  return message;
}
