import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { Float32, INT32_MAX, INT32_MIN, IntIn } from '../../common/number-bounds';

/**
 * The body of `POST /v1/messages`, for the OpenAPI document and number bounds. No field is required
 * here: the translator words missing ones as Ollama does ("max_tokens is required and must be positive").
 */
export class MessagesRequestDto {
  @ApiProperty({ example: 'llama3.2' }) model!: string;
  @IntIn(INT32_MIN, INT32_MAX, { numbersOnly: true, description: 'required, > 0: options.num_predict' })
  max_tokens!: number;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    example: [{ role: 'user', content: 'Why is the sky blue?' }],
    description:
      'content: a string or blocks `text`, `image` (`source: {type:"base64",media_type,data}`), ' +
      '`tool_use` (assistant), `tool_result` (user, `tool_use_id`), `thinking`',
  })
  messages!: unknown[];
  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
    description: 'a string or text blocks: the system message',
  })
  system?: unknown;
  @ApiPropertyOptional({ default: false, description: 'true: Server-Sent Events (Anthropic event names)' })
  stream?: boolean;
  @Float32({ numbersOnly: true, description: 'options.temperature' }) temperature?: number;
  @Float32({ numbersOnly: true, description: 'options.top_p' }) top_p?: number;
  @IntIn(0, INT32_MAX, { numbersOnly: true, description: 'options.top_k' }) top_k?: number;
  @ApiPropertyOptional({ type: [String], description: 'options.stop' }) stop_sequences?: string[];
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description: '`{name, description, input_schema}`: function tools',
  })
  tools?: unknown[];
  @ApiPropertyOptional({
    description: '`{type:"none"}` sends no tools; auto/any/tool cannot be enforced and are ignored',
  })
  tool_choice?: unknown;
  @ApiPropertyOptional({ description: '`{type:"enabled"|"disabled"}` → think true/false' })
  thinking?: unknown;
}
