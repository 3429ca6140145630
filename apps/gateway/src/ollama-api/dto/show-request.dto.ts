import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';

import { EngineOptions, EngineOptionsDto } from './engine-options.dto';

/** `POST /api/show`. `model` or the legacy `name` is required (the service checks, as Ollama's handler does). */
export class ShowRequestDto {
  @ApiPropertyOptional({ example: 'llama3.2', description: 'required unless `name` is given' })
  @IsOptional()
  @IsString({ message: 'model must be a string' })
  model?: string;

  @ApiPropertyOptional({ description: 'legacy spelling of `model`' })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  name?: string;

  @ApiPropertyOptional({ description: 'include full tensor and tokenizer data' })
  @IsOptional()
  @IsBoolean({ message: 'verbose must be a boolean' })
  verbose?: boolean;

  @EngineOptions()
  options?: EngineOptionsDto;

  @ApiPropertyOptional() system?: string;
  @ApiPropertyOptional() template?: string;
}
