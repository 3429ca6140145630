import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, ValidateBy, ValidationOptions } from 'class-validator';

import { INT32_MAX, IntIn } from '../../common/number-bounds';
import { EngineOptions, EngineOptionsDto, KeepAlive } from './engine-options.dto';

/** Ollama's EmbedHandler accepts a string or an array of strings; null or absent embeds nothing. */
function IsEmbedInput(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEmbedInput',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' ||
          (Array.isArray(value) && value.every((item) => typeof item === 'string')),
      },
    },
    options,
  );
}

/** `POST /api/embed`. Only the fields the gateway reads are validated; every other field passes through. */
export class EmbedRequestDto {
  @ApiProperty({ example: 'all-minilm' })
  @IsString({ message: 'model is required' })
  @IsNotEmpty({ message: 'model is required' })
  model!: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['Why is the sky blue?', 'Why is the grass green?'],
  })
  @IsOptional()
  @IsEmbedInput({ message: 'invalid input type' })
  input?: string | string[];

  @ApiPropertyOptional({ default: true, description: 'false: fail instead of cutting input to the context' })
  @IsOptional()
  @IsBoolean({ message: 'truncate must be a boolean' })
  truncate?: boolean;

  @IntIn(0, INT32_MAX, { description: 'length of the returned vectors' })
  dimensions?: number;

  @EngineOptions()
  options?: EngineOptionsDto;

  @KeepAlive() keep_alive?: unknown;
}
