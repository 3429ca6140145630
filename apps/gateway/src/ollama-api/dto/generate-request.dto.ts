import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsNotEmpty, IsObject, IsOptional, IsString } from 'class-validator';

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

  @ApiPropertyOptional({ type: Object, example: { temperature: 0.7 } })
  @IsOptional()
  @IsObject({ message: 'options must be an object' })
  options?: Record<string, unknown>;

  @ApiPropertyOptional() suffix?: string;
  @ApiPropertyOptional() system?: string;
  @ApiPropertyOptional() template?: string;
  @ApiPropertyOptional({ type: [Number] }) context?: number[];
  @ApiPropertyOptional() raw?: boolean;
  @ApiPropertyOptional({ description: '"json" or a JSON schema object' }) format?: unknown;
  @ApiPropertyOptional({ description: 'duration string ("5m") or seconds' }) keep_alive?: unknown;
  @ApiPropertyOptional({ description: 'true/false or "low" | "medium" | "high"' }) think?: unknown;
}
