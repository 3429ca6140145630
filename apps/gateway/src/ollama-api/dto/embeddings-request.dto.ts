import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString } from 'class-validator';

/** Legacy `POST /api/embeddings`: one prompt, one vector. Other fields pass through. */
export class EmbeddingsRequestDto {
  @ApiProperty({ example: 'all-minilm' })
  @IsString({ message: 'model is required' })
  @IsNotEmpty({ message: 'model is required' })
  model!: string;

  @ApiPropertyOptional({ example: 'Why is the sky blue?', description: 'empty or absent: load the model' })
  @IsOptional()
  @IsString({ message: 'prompt must be a string' })
  prompt?: string;

  @ApiPropertyOptional({ type: Object })
  @IsOptional()
  @IsObject({ message: 'options must be an object' })
  options?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'duration string ("5m") or seconds' }) keep_alive?: unknown;
}
