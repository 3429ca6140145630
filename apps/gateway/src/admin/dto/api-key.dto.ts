import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

import { JOB_PRIORITIES, JobPriority, QUOTA_PERIODS, QuotaPeriod, SCOPES, Scope } from '@gridllm/contracts';

export class RateLimitDto {
  @ApiProperty({ example: 60, description: 'requests per window' })
  @IsInt({ message: 'rateLimit.requests must be an integer' })
  @Min(1, { message: 'rateLimit.requests must be at least 1' })
  requests!: number;

  @ApiProperty({ example: 60, description: 'window length in seconds' })
  @IsInt({ message: 'rateLimit.windowSeconds must be an integer' })
  @Min(1, { message: 'rateLimit.windowSeconds must be at least 1' })
  @Max(86400, { message: 'rateLimit.windowSeconds must be at most 86400' })
  windowSeconds!: number;
}

export class TokenQuotaDto {
  @ApiProperty({ example: 1000000, description: 'prompt + completion tokens per period' })
  @IsInt({ message: 'tokenQuota.tokens must be an integer' })
  @Min(1, { message: 'tokenQuota.tokens must be at least 1' })
  tokens!: number;

  @ApiProperty({
    enum: QUOTA_PERIODS,
    example: 'month',
    description: 'UTC day, UTC month, or the key’s lifetime',
  })
  @IsIn(QUOTA_PERIODS, { message: 'tokenQuota.period must be one of day, month, total' })
  period!: QuotaPeriod;
}

/** `POST /admin/keys`. */
export class CreateApiKeyDto {
  @ApiProperty({ example: 'analytics-team' })
  @IsString({ message: 'name must be a string' })
  @Length(1, 100, { message: 'name must be 1 to 100 characters' })
  name!: string;

  @ApiPropertyOptional({ enum: SCOPES, isArray: true, example: ['inference'], default: ['inference'] })
  @IsOptional()
  @IsArray({ message: 'scopes must be an array' })
  @ArrayNotEmpty({ message: 'scopes must not be empty' })
  @IsIn(SCOPES, { each: true, message: 'scopes may contain inference, models:manage, dashboard, admin' })
  scopes?: Scope[];

  @ApiPropertyOptional({
    type: [String],
    example: ['llama3.2:latest'],
    description: 'allowlist; absent: every model',
  })
  @IsOptional()
  @IsArray({ message: 'models must be an array' })
  @ArrayMaxSize(1000)
  @IsString({ each: true, message: 'models must contain model names' })
  models?: string[];

  @ApiPropertyOptional({ enum: JOB_PRIORITIES, description: 'jobs asking for more are lowered to this' })
  @IsOptional()
  @IsIn(JOB_PRIORITIES, { message: 'maxPriority must be one of high, medium, low' })
  maxPriority?: JobPriority;

  @ApiPropertyOptional({
    type: RateLimitDto,
    description: 'overrides RATE_LIMIT_REQUESTS / RATE_LIMIT_WINDOW',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto;

  @ApiPropertyOptional({ type: TokenQuotaDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TokenQuotaDto)
  tokenQuota?: TokenQuotaDto;

  @ApiPropertyOptional({
    example: 4,
    description: 'jobs queued or running at once; overrides KEY_MAX_CONCURRENT',
  })
  @IsOptional()
  @IsInt({ message: 'maxConcurrent must be an integer' })
  @Min(1, { message: 'maxConcurrent must be at least 1' })
  maxConcurrent?: number;

  @ApiPropertyOptional({
    example: 2,
    description: 'fair-share weight within a priority class: 2 gets twice the tokens of a key of weight 1',
    default: 1,
  })
  @IsOptional()
  @IsNumber({}, { message: 'shareWeight must be a number' })
  @Min(0.01, { message: 'shareWeight must be at least 0.01' })
  @Max(1000, { message: 'shareWeight must be at most 1000' })
  shareWeight?: number;

  @ApiPropertyOptional({
    example: true,
    description:
      "the key's streams continue on another worker when theirs dies (x-gridllm-continue overrides)",
  })
  @IsOptional()
  @IsBoolean({ message: 'continueStreams must be a boolean' })
  continueStreams?: boolean;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z', description: 'the key stops working then (401)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 time such as 2027-01-01T00:00:00Z' })
  expiresAt?: string;
}

/** A key as listed: everything but the secret. */
export class ApiKeyDto {
  @ApiProperty({ example: 'key_3f9a1c2b7d4e5f60' }) id!: string;
  @ApiProperty({ example: 'analytics-team' }) name!: string;
  @ApiProperty({ example: 'gllm_Ab…xY12', description: 'first and last characters of the secret' })
  hint!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
  @ApiPropertyOptional({ type: [String] }) models?: string[];
  @ApiPropertyOptional({ enum: JOB_PRIORITIES }) maxPriority?: JobPriority;
  @ApiPropertyOptional({ type: RateLimitDto }) rateLimit?: RateLimitDto;
  @ApiPropertyOptional({ type: TokenQuotaDto }) tokenQuota?: TokenQuotaDto;
  @ApiPropertyOptional() maxConcurrent?: number;
  @ApiPropertyOptional() shareWeight?: number;
  @ApiPropertyOptional() continueStreams?: boolean;
  @ApiPropertyOptional() expiresAt?: string;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) createdAt!: string;
  @ApiPropertyOptional() lastUsedAt?: string;
  @ApiPropertyOptional() rotatedAt?: string;
  @ApiPropertyOptional() revokedAt?: string;
}

/** Answer of create and rotate: the only time the secret is shown. */
export class IssuedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'gllm_…', description: 'the secret; shown once, stored only as a hash' })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) keys!: ApiKeyDto[];
}
