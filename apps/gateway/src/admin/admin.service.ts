import { Injectable } from '@nestjs/common';

import { InvalidRequestError, WorkerInfo, WorkerNotFoundError } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';

const DRAIN_POLL_MS = 200;
const DRAIN_DEFAULT_TIMEOUT_MS = 60_000;

@Injectable()
export class AdminService {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly client: RedisClient,
  ) {}

  workers(): Promise<WorkerInfo[]> {
    return this.registry.liveWorkers();
  }

  async worker(id: string): Promise<WorkerInfo> {
    const worker = await this.registry.get(id);
    if (!worker) throw new WorkerNotFoundError(id);
    return worker;
  }

  /** The worker takes no new jobs (from its next heartbeat on); running jobs finish. Survives its restarts. */
  async cordon(id: string): Promise<WorkerInfo> {
    await this.worker(id);
    await this.client.redis.set(this.client.keys.workerControl(id), 'cordon');
    return this.worker(id);
  }

  async uncordon(id: string): Promise<WorkerInfo> {
    await this.worker(id);
    await this.client.redis.del(this.client.keys.workerControl(id));
    return this.worker(id);
  }

  /** Cordon, then wait until the worker has acknowledged and its running jobs are done (or the timeout). */
  async drain(id: string, timeoutMs = DRAIN_DEFAULT_TIMEOUT_MS): Promise<WorkerInfo> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
      throw new InvalidRequestError('timeoutMs must be a number ≥ 0');
    let worker = await this.cordon(id);
    const deadline = Date.now() + timeoutMs;
    while (!(worker.status === 'cordoned' && worker.runningJobs === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      worker = await this.worker(id);
    }
    return worker;
  }
}
