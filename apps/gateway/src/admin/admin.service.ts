import { Injectable } from '@nestjs/common';

import { WorkerInfo, WorkerNotFoundError } from '@gridllm/contracts';
import { WorkerRegistry } from '@gridllm/registry';

@Injectable()
export class AdminService {
  constructor(private readonly registry: WorkerRegistry) {}

  workers(): Promise<WorkerInfo[]> {
    return this.registry.liveWorkers();
  }

  async worker(id: string): Promise<WorkerInfo> {
    const worker = await this.registry.get(id);
    if (!worker) throw new WorkerNotFoundError(id);
    return worker;
  }
}
