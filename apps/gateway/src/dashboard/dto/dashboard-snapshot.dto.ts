import { ApiProperty } from '@nestjs/swagger';

import { WorkerInfoDto } from '../../admin/dto/worker-info.dto';

/** The OpenAPI shapes of `GET /admin/dashboard` (see dashboard-frame.ts for the meaning of each field). */

class FleetWorkerDto {
  @ApiProperty({ type: WorkerInfoDto }) info!: WorkerInfoDto;
  @ApiProperty({ enum: ['ready', 'busy', 'cordoned', 'draining', 'not-ready', 'gone'] }) state!: string;
  @ApiProperty({ example: 1, description: 'jobs running on it now' }) slotsUsed!: number;
  @ApiProperty({ example: 42.5, description: 'tokens/s over the last minute' }) tokensPerSecond!: number;
}

class QueueRowDto {
  @ApiProperty({ example: 'llama3.2:latest' }) model!: string;
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) priority!: string;
  @ApiProperty({ example: 3 }) depth!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'epoch ms the oldest waiting job was queued' })
  oldestQueuedAt!: number | null;
  @ApiProperty({ example: 12 }) startedPerMinute!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'estimated wait (ms) of a job queued now' })
  etaMs!: number | null;
}

class RunningJobDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'llama3.2:latest' }) model!: string;
  @ApiProperty({ example: 'chat' }) kind!: string;
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) priority!: string;
  @ApiProperty({ type: String, nullable: true }) workerId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'key id, `admin` or `jwt:<sub>`' })
  ownerId!: string | null;
  @ApiProperty({ example: 57, description: 'chunks streamed so far' }) tokens!: number;
  @ApiProperty({ description: 'epoch ms' }) submittedAt!: number;
  @ApiProperty({ description: 'epoch ms' }) startedAt!: number;
}

class FinishedJobDto {
  @ApiProperty() id!: string;
  @ApiProperty() model!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ enum: ['completed', 'failed', 'cancelled'] }) outcome!: string;
  @ApiProperty({ example: 200 }) status!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, nullable: true }) workerId!: string | null;
  @ApiProperty({ type: String, nullable: true }) ownerId!: string | null;
  @ApiProperty({ description: 'accepted → finished, ms' }) latencyMs!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'accepted → started, ms' }) queueMs!:
    number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'accepted → first token, ms' })
  ttftMs!: number | null;
  @ApiProperty({ type: Number, nullable: true }) tokens!: number | null;
  @ApiProperty({ description: 'epoch ms' }) finishedAt!: number;
}

class SeriesPointDto {
  @ApiProperty({ description: 'epoch ms' }) t!: number;
  @ApiProperty({ description: 'jobs finished per second' }) requests!: number;
  @ApiProperty({ description: 'tokens generated per second' }) tokens!: number;
  @ApiProperty({ description: 'failed jobs per second' }) errors!: number;
  @ApiProperty({ description: 'jobs waiting in all queues' }) queued!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'ms, jobs finished in the last 10 s' })
  ttftP50!: number | null;
  @ApiProperty({ type: Number, nullable: true }) ttftP95!: number | null;
}

export class DashboardSnapshotDto {
  @ApiProperty({ description: 'epoch ms of the picture (0: nobody records)' }) at!: number;
  @ApiProperty({ type: [FleetWorkerDto] }) workers!: FleetWorkerDto[];
  @ApiProperty({ type: [QueueRowDto] }) queues!: QueueRowDto[];
  @ApiProperty({ type: [RunningJobDto] }) running!: RunningJobDto[];
  @ApiProperty({ type: String, nullable: true }) newestFinishedId!: string | null;
  @ApiProperty({ type: [FinishedJobDto], description: 'newest first, up to 300' })
  finished!: FinishedJobDto[];
  @ApiProperty({ type: [SeriesPointDto], description: 'one point per second, last 15 minutes' })
  series!: SeriesPointDto[];
}
