import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';

import { JOB_PRIORITIES, JobPriority } from '@gridllm/contracts';

import { EngineOptions, EngineOptionsDto, KeepAlive } from '../../ollama-api/dto/engine-options.dto';

/** `POST /inference`: `prompt` (generate) or `messages` (chat); other Ollama fields pass through to the engine. */
export class InferenceRequestDto {
  @ApiProperty({ example: 'llama3.2' })
  @IsString({ message: 'model is required' })
  @IsNotEmpty({ message: 'model is required' })
  model!: string;

  @ApiPropertyOptional({ example: 'Why is the sky blue?' })
  @IsOptional()
  @IsString({ message: 'prompt must be a string' })
  prompt?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    example: [{ role: 'user', content: 'Hi' }],
  })
  @IsOptional()
  @IsArray({ message: 'messages must be an array' })
  messages?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ enum: JOB_PRIORITIES, default: 'medium' })
  @IsOptional()
  @IsIn(JOB_PRIORITIES, { message: 'priority must be one of high, medium, low' })
  priority?: JobPriority;

  @ApiPropertyOptional({ default: false, description: 'stream the answer as NDJSON' })
  @IsOptional()
  @IsBoolean({ message: 'stream must be a boolean' })
  stream?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'answer 202 {id,status} at once; fetch the result later',
  })
  @IsOptional()
  @IsBoolean({ message: 'async must be a boolean' })
  async?: boolean;

  @ApiPropertyOptional({
    example: 'https://hooks.example.com/gridllm',
    description:
      'with async:true: POST the signed outcome here when the job ends (default: the key’s callback); see docs/webhooks.md',
  })
  @IsOptional()
  @IsString({ message: 'callback_url must be a string' })
  callback_url?: string;

  @ApiPropertyOptional({
    description:
      'sticky session: its jobs go to the same worker while it can take them (as x-gridllm-session)',
  })
  @IsOptional()
  @IsString({ message: 'session must be a string' })
  session?: string;

  @EngineOptions()
  options?: EngineOptionsDto;

  @KeepAlive() keep_alive?: unknown;
}
