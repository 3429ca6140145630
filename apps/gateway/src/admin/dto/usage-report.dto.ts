import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

/** Counts in OpenAI's usage words; `requests` are jobs that ended (completed, failed or aborted). */
export class UsageTotalsDto {
  @ApiProperty({ example: 1200 }) prompt_tokens!: number;
  @ApiProperty({ example: 3400 }) completion_tokens!: number;
  @ApiProperty({ example: 4600 }) total_tokens!: number;
  @ApiProperty({ example: 12 }) requests!: number;
}

export class UsageSummaryDto extends UsageTotalsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(UsageTotalsDto) },
    example: {
      'llama3.2:latest': { prompt_tokens: 1200, completion_tokens: 3400, total_tokens: 4600, requests: 12 },
    },
    description: 'the same counts per (normalised) model name',
  })
  models!: Record<string, UsageTotalsDto>;
}

export class PeriodUsageDto extends UsageSummaryDto {
  @ApiProperty({ example: '2026-11-27', description: 'the UTC day (YYYY-MM-DD) or month (YYYY-MM)' })
  period!: string;

  @ApiProperty({ example: '2026-11-28T00:00:00Z', description: 'when the next period starts' })
  resets_at!: string;
}

/** `GET /admin/keys/:id/usage`. */
export class UsageReportDto {
  @ApiProperty({ example: 'key_3f9a1c2b7d4e5f60' }) owner!: string;
  @ApiProperty({ type: UsageSummaryDto, description: "over the key's lifetime" }) total!: UsageSummaryDto;
  @ApiProperty({ type: PeriodUsageDto, description: 'today (UTC)' }) day!: PeriodUsageDto;
  @ApiProperty({ type: PeriodUsageDto, description: 'this month (UTC)' }) month!: PeriodUsageDto;
}
