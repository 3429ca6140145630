import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsNotEmpty, IsOptional, IsString } from 'class-validator';

import { EngineOptions, EngineOptionsDto, KeepAlive, TokenContext, TopLogprobs } from './engine-options.dto';

/** `POST /api/generate`. Only the fields the gateway reads are validated; every other field passes through. */
export class GenerateRequestDto {
  @ApiProperty({ example: 'llama3.2' })
  @IsString({ message: 'model is required' })
  @IsNotEmpty({ message: 'model is required' })
  model!: string;

  @ApiPropertyOptional({ example: 'Why is the sky blue?', description: 'empty or absent: load the model' })
  @IsOptional()
  @IsString({ message: 'prompt must be a string' })
  prompt?: string;

  @ApiPropertyOptional({ default: true, description: 'NDJSON stream when true (the default)' })
  @IsOptional()
  @IsBoolean({ message: 'stream must be a boolean' })
  stream?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'base64 images' })
  @IsOptional()
  @IsArray({ message: 'images must be an array of base64 strings' })
  images?: string[];

  @EngineOptions()
  options?: EngineOptionsDto;

  @ApiPropertyOptional() suffix?: string;
  @ApiPropertyOptional() system?: string;
  @ApiPropertyOptional() template?: string;
  @TokenContext() context?: number[];
  @ApiPropertyOptional() raw?: boolean;
  @ApiPropertyOptional({ description: '"json" or a JSON schema object' }) format?: unknown;
  @KeepAlive() keep_alive?: unknown;
  @TopLogprobs() top_logprobs?: number;
  @ApiPropertyOptional({ description: 'true/false or "low" | "medium" | "high"' }) think?: unknown;
}
