import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsNotEmpty, IsObject, IsOptional, IsString } from 'class-validator';

import { EngineOptions, EngineOptionsDto, KeepAlive, TopLogprobs } from './engine-options.dto';

/** `POST /api/chat`. Messages reach the engine's own /api/chat untouched (never flattened into a prompt). */
export class ChatRequestDto {
  @ApiProperty({ example: 'llama3.2' })
  @IsString({ message: 'model is required' })
  @IsNotEmpty({ message: 'model is required' })
  model!: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    example: [{ role: 'user', content: 'Why is the sky blue?' }],
    description: 'empty or absent: load the model',
  })
  @IsOptional()
  @IsArray({ message: 'messages must be an array' })
  @IsObject({ each: true, message: 'each message must be an object' })
  messages?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean({ message: 'stream must be a boolean' })
  stream?: boolean;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } })
  @IsOptional()
  @IsArray({ message: 'tools must be an array' })
  tools?: unknown[];

  @EngineOptions()
  options?: EngineOptionsDto;

  @ApiPropertyOptional({ description: '"json" or a JSON schema object' }) format?: unknown;
  @KeepAlive() keep_alive?: unknown;
  @TopLogprobs() top_logprobs?: number;
  @ApiPropertyOptional() think?: unknown;
}
