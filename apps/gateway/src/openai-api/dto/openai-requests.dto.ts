import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';

import { Float32, INT32_MAX, INT32_MIN, IntIn } from '../../common/number-bounds';

/**
 * Request bodies of the OpenAI-compatible API, for validation of `model` and for the OpenAPI document.
 * Numbers are bounded here (what the engine can hold); the translators check every other field (with
 * Ollama's messages) when they build the Ollama request.
 */

class ModelFieldDto {
  @ApiProperty({ example: 'llama3.2' })
  @IsString({ message: 'model is required' })
  @IsNotEmpty({ message: 'model is required' })
  model!: string;
}

class StreamOptionsDto {
  @ApiPropertyOptional({ description: 'one extra chunk with `choices: []` and the usage before [DONE]' })
  include_usage?: boolean;
}

/** Sampling fields both generation requests accept; they become Ollama `options`. */
class SamplingDto extends ModelFieldDto {
  @ApiPropertyOptional({ default: false, description: 'true: Server-Sent Events (text/event-stream)' })
  stream?: boolean;
  @ApiPropertyOptional({ type: StreamOptionsDto }) stream_options?: StreamOptionsDto;
  @Float32({ numbersOnly: true, description: 'options.temperature (default 1)' }) temperature?: number;
  @Float32({ numbersOnly: true, description: 'options.top_p (default 1)' }) top_p?: number;
  @IntIn(-2, INT32_MAX, { numbersOnly: true, description: 'options.num_predict' }) max_tokens?: number;
  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'options.stop',
  })
  stop?: string | string[];
  @IntIn(INT32_MIN, 4_294_967_295, { numbersOnly: true, description: 'options.seed' }) seed?: number;
  @Float32({ numbersOnly: true, description: 'options.frequency_penalty' }) frequency_penalty?: number;
  @Float32({ numbersOnly: true, description: 'options.presence_penalty' }) presence_penalty?: number;
}

export class ChatCompletionRequestDto extends SamplingDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    example: [{ role: 'user', content: 'Why is the sky blue?' }],
    description:
      'content: a string, or parts `{type:"text",text}` and `{type:"image_url",image_url:{url:"data:image/png;base64,…"}}` ' +
      '(base64 data URLs only); assistant `tool_calls` and `tool` results (`tool_call_id`) are passed on',
  })
  messages!: unknown[];
  @IntIn(-2, INT32_MAX, {
    numbersOnly: true,
    description: 'alias of max_tokens (used when max_tokens is absent)',
  })
  max_completion_tokens?: number;
  @ApiPropertyOptional({
    example: { type: 'json_object' },
    description: '`json_object` → format "json"; `json_schema` → format: json_schema.schema',
  })
  response_format?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, description: 'function tools' })
  tools?: unknown[];
  @ApiPropertyOptional({ enum: ['high', 'medium', 'low', 'max', 'none'], description: 'think (none: false)' })
  reasoning_effort?: string;
  @ApiPropertyOptional({ example: { effort: 'low' }, description: 'wins over reasoning_effort' })
  reasoning?: { effort?: string };
  @ApiPropertyOptional({ description: 'token log probabilities in choices[].logprobs.content' })
  logprobs?: boolean;
  @IntIn(0, 20, { numbersOnly: true }) top_logprobs?: number;
}

export class CompletionRequestDto extends SamplingDto {
  @ApiProperty({
    example: 'Why is the sky blue?',
    description: 'one string (arrays and tokens are not supported)',
  })
  prompt!: string;
  @ApiPropertyOptional({ description: 'fill-in-the-middle: the text after the completion' }) suffix?: string;
}

export class EmbeddingRequestDto extends ModelFieldDto {
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['Why is the sky blue?', 'Why is the grass green?'],
  })
  input!: string | string[];
  @ApiPropertyOptional({ enum: ['float', 'base64'], default: 'float' }) encoding_format?: string;
  @IntIn(0, INT32_MAX, { numbersOnly: true, description: 'length of the returned vectors' })
  dimensions?: number;
}

/** `POST /v1/responses`: stateless, so `previous_response_id` and `conversation` are refused (400). */
export class ResponsesRequestDto extends ModelFieldDto {
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
    example: 'Why is the sky blue?',
    description:
      'a string (one user message) or items: messages (`content` a string or `input_text`/`input_image` ' +
      'parts, image as a base64 data URL), `function_call` and `function_call_output`',
  })
  input!: unknown;
  @ApiPropertyOptional({ description: 'a system message first' }) instructions?: string;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description: '`{type:"function", name, description, parameters}`',
  })
  tools?: unknown[];
  @ApiPropertyOptional({ default: false, description: 'true: named Server-Sent Events' }) stream?: boolean;
  @Float32({ numbersOnly: true, description: 'options.temperature (default 1)' }) temperature?: number;
  @Float32({ numbersOnly: true, description: 'options.top_p' }) top_p?: number;
  @IntIn(-2, INT32_MAX, { numbersOnly: true, description: 'options.num_predict' }) max_output_tokens?: number;
  @ApiPropertyOptional({ example: { effort: 'low' }, description: 'effort → think (none: false)' })
  reasoning?: { effort?: string };
}
