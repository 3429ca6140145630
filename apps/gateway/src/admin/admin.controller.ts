import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import { WorkerInfo } from '@gridllm/contracts';

import { AdminService } from './admin.service';

/** Operator endpoints. Workers now; keys and fleet model management arrive with their issues. */
@ApiTags('Admin')
@Controller('admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('workers')
  @ApiOperation({ summary: 'Live workers with their models, load, hardware and tier' })
  workers(): Promise<WorkerInfo[]> {
    return this.admin.workers();
  }

  @Get('workers/:id')
  @ApiOperation({ summary: 'One live worker (404 when it is not alive)' })
  worker(@Param('id') id: string): Promise<WorkerInfo> {
    return this.admin.worker(id);
  }
}
