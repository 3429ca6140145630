import { ApiPropertyOptional } from '@nestjs/swagger';

/**
 * `POST /api/create` as Ollama takes it, for the OpenAPI document: the service reads the body itself
 * (unknown fields pass through to the workers' engines, as Ollama ignores them).
 */
export class CreateRequestDto {
  @ApiPropertyOptional({ example: 'my-model', description: 'the new model; required unless `name` is given' })
  model?: string;

  @ApiPropertyOptional({ description: 'legacy spelling of `model`' })
  name?: string;

  @ApiPropertyOptional({ example: 'llama3.2', description: 'an existing model to build on' })
  from?: string;

  @ApiPropertyOptional({
    description: 'file name → digest of blobs uploaded with POST /api/blobs/:digest (GGUF)',
    example: { 'model.gguf': `sha256:${'0'.repeat(64)}` },
  })
  files?: Record<string, string>;

  @ApiPropertyOptional({ description: 'LoRA adapters, file name → digest (workers in front of Ollama only)' })
  adapters?: Record<string, string>;

  @ApiPropertyOptional() system?: string;
  @ApiPropertyOptional() template?: string;
  @ApiPropertyOptional({ description: 'a string or a list of strings' }) license?: string;
  @ApiPropertyOptional({ description: 'default options, e.g. {"temperature":0.2}' })
  parameters?: Record<string, unknown>;
  @ApiPropertyOptional({ type: [Object], description: 'messages put before every chat' })
  messages?: Array<Record<string, unknown>>;
  @ApiPropertyOptional({ example: 'q4_K_M', description: 'workers in front of Ollama only' })
  quantize?: string;
  @ApiPropertyOptional({ default: true }) stream?: boolean;
}

export const CREATE_EXAMPLES = {
  fromModel: {
    summary: 'From a model the workers hold, with a system prompt',
    value: {
      model: 'terse',
      from: 'llama3.2',
      system: 'Answer in one sentence.',
      parameters: { temperature: 0.2 },
    },
  },
  fromFile: {
    summary: 'From an uploaded GGUF blob',
    value: { model: 'my-model', files: { 'model.gguf': `sha256:${'0'.repeat(64)}` }, stream: false },
  },
};
