import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { JOB_PRIORITIES } from '@gridllm/contracts';

import { UsageReportDto } from '../../admin/dto/usage-report.dto';

/** Response shapes of the native API, for the OpenAPI document. */

const JOB_STATES = ['queued', 'active', 'completed', 'failed', 'cancelled'];
const JOB_ID = '3f1c2d9e-5b7a-4c1e-9f0a-2b6d8e4c7a11';

export class InferenceAcceptedDto {
  @ApiProperty({ example: JOB_ID }) id!: string;
  @ApiProperty({ example: 'queued' }) status!: string;
  @ApiProperty({ example: 'llama3.2:latest' }) model!: string;
}

export class InferenceCompletedDto {
  @ApiProperty({ example: JOB_ID }) id!: string;
  @ApiProperty({ example: 'completed' }) status!: string;
  @ApiProperty({ example: 'llama3.2:latest' }) model!: string;
  @ApiPropertyOptional({ example: 'gpu-box-1' }) workerId?: string;
  @ApiProperty({
    type: Object,
    description: "the engine's merged answer, as Ollama's stream:false gives it",
    example: { model: 'llama3.2', response: 'The sky is blue because…', done: true, eval_count: 290 },
  })
  result!: Record<string, unknown>;
}

export class QueuePositionDto {
  @ApiProperty({ example: 3, description: 'waiting jobs ahead (0 = next)' }) position!: number;
  @ApiProperty({ type: Number, nullable: true, example: 4200, description: 'estimated ms until it starts' })
  etaMs!: number | null;
}

class DeliveryAttemptDto {
  @ApiProperty({ example: '2025-05-01T10:00:05.010Z' }) at!: string;
  @ApiPropertyOptional({ example: 500, description: "the receiver's HTTP status" }) statusCode?: number;
  @ApiPropertyOptional({ example: 'no answer within 10000 ms', description: 'when there was no answer' })
  error?: string;
  @ApiProperty({ example: 42 }) durationMs!: number;
}

class WebhookStatusDto {
  @ApiProperty({ example: 'https://hooks.example.com/gridllm' }) url!: string;
  @ApiProperty({ enum: ['waiting-for-job', 'retrying', 'delivered', 'gave-up'], example: 'retrying' })
  state!: string;
  @ApiProperty({ type: [DeliveryAttemptDto], description: 'the latest 30 attempts' })
  attempts!: DeliveryAttemptDto[];
  @ApiProperty({ example: 1 }) attemptCount!: number;
  @ApiPropertyOptional({ example: '2025-05-01T10:00:10.010Z' }) nextAttemptAt?: string;
}

export class JobStatusDto {
  @ApiProperty({ example: JOB_ID }) id!: string;
  @ApiProperty({ example: 'llama3.2:latest' }) model!: string;
  @ApiPropertyOptional({ example: 'generate' }) kind?: string;
  @ApiProperty({ enum: JOB_STATES, example: 'completed' }) state!: string;
  @ApiPropertyOptional({ enum: JOB_PRIORITIES, example: 'medium' }) priority?: string;
  @ApiPropertyOptional({ example: 'gpu-box-1' }) workerId?: string;
  @ApiPropertyOptional({
    example: 'prefix; chars=2048',
    description:
      'why that worker took it: session, prefix; chars=N (it held that much of the prompt) or order',
  })
  placement?: string;
  @ApiPropertyOptional({
    type: Object,
    example: { workerId: 'gpu-box-1', reason: 'prefix', prefixChars: 2048 },
    description: 'the worker the job was meant for if it could take it within the affinity delay',
  })
  preferred?: Record<string, unknown>;
  @ApiPropertyOptional({ example: '2025-05-01T10:00:00.000Z' }) submittedAt?: string;
  @ApiPropertyOptional({ example: '2025-05-01T10:00:00.120Z' }) startedAt?: string;
  @ApiPropertyOptional({ example: '2025-05-01T10:00:04.900Z' }) finishedAt?: string;
  @ApiPropertyOptional({ example: 'request canceled', description: 'failed or cancelled jobs' })
  error?: string;
  @ApiPropertyOptional({ type: QueuePositionDto, description: 'queued jobs only' }) queue?: QueuePositionDto;
  @ApiPropertyOptional({
    type: WebhookStatusDto,
    description: 'async jobs with a callback: its delivery history',
  })
  webhook?: WebhookStatusDto;
}

export class JobResultDto extends JobStatusDto {
  @ApiPropertyOptional({
    type: Object,
    example: { model: 'llama3.2', response: 'The sky is blue because…', done: true, eval_count: 290 },
  })
  result?: Record<string, unknown>;
}

export class CancelResultDto {
  @ApiProperty({ example: JOB_ID }) id!: string;
  @ApiProperty({ example: 'cancelled', description: 'or the state of a job that had already finished' })
  status!: string;
}

class WorkerSlotsDto {
  @ApiProperty({ example: 'gpu-box-1' }) id!: string;
  @ApiProperty({ example: 2 }) freeSlots!: number;
  @ApiProperty({ example: true, description: 'the model is loaded on this worker' }) loaded!: boolean;
}

export class ModelAvailabilityDto {
  @ApiProperty({ example: 'llama3.2:latest' }) model!: string;
  @ApiProperty({ example: 2 }) freeSlots!: number;
  @ApiProperty({ type: [WorkerSlotsDto] }) workers!: WorkerSlotsDto[];
}

class WaitingDto {
  @ApiProperty({ example: 0 }) high!: number;
  @ApiProperty({ example: 3 }) medium!: number;
  @ApiProperty({ example: 1 }) low!: number;
}

class QueueDepthDto {
  @ApiProperty({ example: 'llama3.2:latest' }) model!: string;
  @ApiProperty({ type: WaitingDto }) waiting!: WaitingDto;
  @ApiProperty({ example: 2 }) active!: number;
}

export class QueueSummaryDto {
  @ApiProperty({ type: [QueueDepthDto] }) models!: QueueDepthDto[];
  @ApiProperty({ example: 2 }) activeJobs!: number;
  @ApiProperty({ example: 4 }) queuedJobs!: number;
  @ApiProperty({ example: 3 }) workersOnline!: number;
}

/** Who the caller is and what it may do, as its key or token says. */
export class CallerDto {
  @ApiProperty({ enum: ['api-key', 'admin-key', 'jwt'], example: 'api-key' }) kind!: string;
  @ApiProperty({ example: 'key_3f9a1c2b7d4e5f60', description: 'key id, `admin`, or `jwt:<sub>`' })
  id!: string;
  @ApiPropertyOptional({ example: 'analytics-team' }) name?: string;
  @ApiProperty({ example: ['inference'] }) scopes!: string[];
  @ApiPropertyOptional({ example: ['llama3.2:latest'], description: 'absent: every model' })
  models?: string[];
  @ApiPropertyOptional({ example: 'medium' }) maxPriority?: string;
  @ApiPropertyOptional({ example: { requests: 120, windowSeconds: 60 } }) rateLimit?: object;
  @ApiPropertyOptional({ example: { tokens: 2000000, period: 'month' } }) tokenQuota?: object;
  @ApiPropertyOptional({ example: 4 }) maxConcurrent?: number;
  @ApiPropertyOptional({ example: 1 }) shareWeight?: number;
}

/** `GET /inference/me`: null fields when the gateway runs without auth. */
export class CallerUsageDto {
  @ApiProperty({ type: CallerDto, nullable: true }) caller!: CallerDto | null;
  @ApiProperty({ type: UsageReportDto, nullable: true }) usage!: UsageReportDto | null;
}
