import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString } from 'class-validator';

import { EngineOptions, EngineOptionsDto, KeepAlive } from './engine-options.dto';

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

  @EngineOptions()
  options?: EngineOptionsDto;

  @KeepAlive() keep_alive?: unknown;
}
