import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { LoadedModelDto, ModelDto } from '../../ollama-api/dto/ollama-responses.dto';

/** What `/admin/workers` shows of a worker (its last heartbeat), for the OpenAPI document. */

class GpuDto {
  @ApiProperty({ example: 'NVIDIA GeForce RTX 4090' }) name!: string;
  @ApiProperty({ example: 24564 }) memoryTotalMb!: number;
  @ApiPropertyOptional({ example: 20110 }) memoryFreeMb?: number;
}

class HardwareDto {
  @ApiProperty({ example: 16 }) cpuCores!: number;
  @ApiProperty({ example: 'AMD Ryzen 9 7950X' }) cpuModel!: string;
  @ApiProperty({ example: 68719476736 }) memoryTotalBytes!: number;
  @ApiProperty({ example: 41231686042 }) memoryFreeBytes!: number;
  @ApiProperty({ type: [GpuDto] }) gpus!: GpuDto[];
}

export class WorkerInfoDto {
  @ApiProperty({ example: 'gpu-box-1' }) id!: string;
  @ApiProperty({ enum: ['ready', 'not-ready', 'draining', 'cordoned'], example: 'ready' }) status!: string;
  @ApiProperty({ enum: ['ollama', 'llamacpp', 'openai'], example: 'ollama' }) engine!: string;
  @ApiPropertyOptional({ example: '0.12.6' }) engineVersion?: string;
  @ApiPropertyOptional({ description: 'why it is not ready', example: 'engine unreachable' })
  statusReason?: string;
  @ApiPropertyOptional({
    enum: ['closed', 'open', 'half-open'],
    example: 'closed',
    description:
      'deep health: open after stalled jobs or repeated engine failures (out of placement), half-open while a canary probes',
  })
  circuit?: string;
  @ApiProperty({ type: [ModelDto] }) models!: ModelDto[];
  @ApiProperty({ type: [LoadedModelDto] }) loadedModels!: LoadedModelDto[];
  @ApiProperty({ type: HardwareDto }) hardware!: HardwareDto;
  @ApiProperty({ enum: ['high', 'medium', 'low'], example: 'high' }) tier!: string;
  @ApiProperty({ example: 4, description: 'MAX_CONCURRENT_TASKS' }) slots!: number;
  @ApiProperty({ example: 1 }) runningJobs!: number;
  @ApiProperty({ example: 1000 }) heartbeatIntervalMs!: number;
  @ApiProperty({ example: 1746093600000, description: 'epoch ms' }) startedAt!: number;
  @ApiProperty({ example: 1746093659000, description: 'epoch ms' }) lastHeartbeatAt!: number;
}
