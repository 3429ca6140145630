import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Response shapes of the OpenAI-compatible API, for the OpenAPI document. */

export class OpenAiErrorDetailDto {
  @ApiProperty({ example: 'model "x" not found, try pulling it first' }) message!: string;
  @ApiProperty({ enum: ['invalid_request_error', 'not_found_error', 'api_error'] }) type!: string;
  @ApiProperty({ nullable: true, example: null, type: String }) param!: null;
  @ApiProperty({ nullable: true, example: null, type: String }) code!: null;
}

export class OpenAiErrorDto {
  @ApiProperty({ type: OpenAiErrorDetailDto }) error!: OpenAiErrorDetailDto;
}

export class UsageDto {
  @ApiProperty({ example: 26 }) prompt_tokens!: number;
  @ApiProperty({ example: 290 }) completion_tokens!: number;
  @ApiProperty({ example: 316 }) total_tokens!: number;
}

export class ToolCallDto {
  @ApiProperty({ example: 'call_k3v9x2ab' }) id!: string;
  @ApiProperty({ example: 0 }) index!: number;
  @ApiProperty({ example: 'function' }) type!: string;
  @ApiProperty({ example: { name: 'get_weather', arguments: '{"city":"Paris"}' } })
  function!: { name: string; arguments: string };
}

export class ChatMessageOutDto {
  @ApiPropertyOptional({ example: 'assistant', description: 'in a stream: the first delta only' })
  role?: string;
  @ApiProperty({ example: 'The sky is blue because…' }) content!: string;
  @ApiPropertyOptional({ description: 'thinking models: the reasoning text' }) reasoning?: string;
  @ApiPropertyOptional({ type: [ToolCallDto] }) tool_calls?: ToolCallDto[];
}

class ChatChoiceDto {
  @ApiProperty({ example: 0 }) index!: number;
  @ApiProperty({ type: ChatMessageOutDto }) message!: ChatMessageOutDto;
  @ApiProperty({ enum: ['stop', 'length', 'tool_calls'], nullable: true }) finish_reason!: string | null;
  @ApiPropertyOptional({ example: { content: [{ token: 'The', logprob: -0.01 }] } }) logprobs?: unknown;
}

class ChatChunkChoiceDto {
  @ApiProperty({ example: 0 }) index!: number;
  @ApiProperty({ type: ChatMessageOutDto }) delta!: ChatMessageOutDto;
  @ApiProperty({ enum: ['stop', 'length', 'tool_calls'], nullable: true }) finish_reason!: string | null;
}

class CompletionBaseDto {
  @ApiProperty({ example: 'chatcmpl-482' }) id!: string;
  @ApiProperty({ example: 1746093600, description: 'unix seconds' }) created!: number;
  @ApiProperty({ example: 'llama3.2' }) model!: string;
  @ApiProperty({ example: 'fp_ollama' }) system_fingerprint!: string;
}

export class ChatCompletionDto extends CompletionBaseDto {
  @ApiProperty({ example: 'chat.completion' }) object!: string;
  @ApiProperty({ type: [ChatChoiceDto] }) choices!: ChatChoiceDto[];
  @ApiProperty({ type: UsageDto }) usage!: UsageDto;
}

export class ChatCompletionChunkDto extends CompletionBaseDto {
  @ApiProperty({ example: 'chat.completion.chunk' }) object!: string;
  @ApiProperty({ type: [ChatChunkChoiceDto], description: '[] in the usage chunk' })
  choices!: ChatChunkChoiceDto[];
  @ApiPropertyOptional({ type: UsageDto, description: 'stream_options.include_usage: the last chunk' })
  usage?: UsageDto;
}

class CompletionChoiceDto {
  @ApiProperty({ example: 'The sky is blue because…' }) text!: string;
  @ApiProperty({ example: 0 }) index!: number;
  @ApiProperty({ enum: ['stop', 'length'], nullable: true }) finish_reason!: string | null;
}

export class CompletionDto extends CompletionBaseDto {
  @ApiProperty({ example: 'text_completion' }) object!: string;
  @ApiProperty({ type: [CompletionChoiceDto] }) choices!: CompletionChoiceDto[];
  @ApiPropertyOptional({ type: UsageDto }) usage?: UsageDto;
}

class EmbeddingDto {
  @ApiProperty({ example: 'embedding' }) object!: string;
  @ApiProperty({
    oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string' }],
    example: [0.010071029, -0.0017594862, 0.05007221],
    description: 'base64 of little-endian float32s with encoding_format:"base64"',
  })
  embedding!: number[] | string;
  @ApiProperty({ example: 0 }) index!: number;
}

class EmbeddingUsageDto {
  @ApiProperty({ example: 8 }) prompt_tokens!: number;
  @ApiProperty({ example: 8 }) total_tokens!: number;
}

export class EmbeddingListDto {
  @ApiProperty({ example: 'list' }) object!: string;
  @ApiProperty({ type: [EmbeddingDto] }) data!: EmbeddingDto[];
  @ApiProperty({ example: 'all-minilm' }) model!: string;
  @ApiProperty({ type: EmbeddingUsageDto }) usage!: EmbeddingUsageDto;
}

export class OpenAiModelDto {
  @ApiProperty({ example: 'llama3.2:latest' }) id!: string;
  @ApiProperty({ example: 'model' }) object!: string;
  @ApiProperty({ example: 1746093600, description: 'unix seconds of modified_at' }) created!: number;
  @ApiProperty({ example: 'library', description: '"library", or the namespace of `user/model`' })
  owned_by!: string;
}

export class OpenAiModelListDto {
  @ApiProperty({ example: 'list' }) object!: string;
  @ApiProperty({ type: [OpenAiModelDto] }) data!: OpenAiModelDto[];
}
