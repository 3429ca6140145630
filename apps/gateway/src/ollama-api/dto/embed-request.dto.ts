import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';

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

  @ApiPropertyOptional({ description: 'length of the returned vectors' })
  @IsOptional()
  @IsInt({ message: 'dimensions must be an integer' })
  dimensions?: number;

  @ApiPropertyOptional({ type: Object })
  @IsOptional()
  @IsObject({ message: 'options must be an object' })
  options?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'duration string ("5m") or seconds' }) keep_alive?: unknown;
}
