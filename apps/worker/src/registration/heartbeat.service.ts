import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, workerConfig } from '@gridllm/config';
import { WorkerInfo, WorkerStatus } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import { JobSource } from '@gridllm/scheduler';

import { CapabilitiesService } from '../capabilities/capabilities.service';
import { LoadedModelsPublisher } from '../capabilities/loaded-models.publisher';
import { EngineCircuit } from '../deep-health/engine-circuit';
import { SlotLoop } from '../jobs/slot-loop.service';

/**
 * Keeps the worker's registry record alive: a beat every WORKER_HEARTBEAT_INTERVAL with its load, and a
 * fresh read of the engine's models every MODEL_REFRESH_INTERVAL (every beat while the engine is down).
 */
@Injectable()
export class HeartbeatService {
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private lastRefreshAt = 0;
  private published: string[] = [];
  private draining = false;
  private refreshing = false;
  private refreshChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly capabilities: CapabilitiesService,
    private readonly registry: WorkerRegistry,
    private readonly client: RedisClient,
    private readonly source: JobSource,
    private readonly slots: SlotLoop,
    private readonly circuit: EngineCircuit,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
    loadedModels: LoadedModelsPublisher,
  ) {
    loadedModels.listen(() => this.publishLoaded());
  }

  get status(): WorkerStatus {
    if (this.draining) return 'draining';
    if (this.slots.isPaused) return this.slots.runningJobs > 0 ? 'draining' : 'cordoned';
    return this.capabilities.snapshot?.engineReachable && this.circuit.isClosed ? 'ready' : 'not-ready';
  }

  async start(): Promise<void> {
    await this.refresh();
    await this.followOperator();
    await this.publish();
    this.timer = setInterval(() => void this.beat(), this.queue.heartbeatIntervalMs);
  }

  /** Re-reads models now and publishes them (after a model was deleted or copied here). */
  async refreshNow(): Promise<void> {
    await this.refresh();
    await this.publish();
  }

  /** Stops advertising models so no new job is routed here; running jobs continue. */
  async startDraining(): Promise<void> {
    this.draining = true;
    await this.publish();
  }

  /** Stops beating and removes the record at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.registry.remove(this.worker.workerId, this.published);
    this.logger.log(`worker ${this.worker.workerId} deregistered`);
  }

  /**
   * Publishes every interval without waiting for the engine: a full model refresh (hashing a new GGUF can
   * take seconds) runs beside it; loaded models are re-read every beat, the model list every refresh interval.
   */
  private async beat(): Promise<void> {
    void this.refreshIfDue();
    try {
      await this.followOperator();
      await this.publish();
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${(error as Error).message}`);
    }
  }

  /** Applies an operator's cordon (set by the gateway's /admin/workers/:id/cordon or /drain). */
  private async followOperator(): Promise<void> {
    const control = await this.client.redis.get(this.client.keys.workerControl(this.worker.workerId));
    if (control === 'cordon' && !this.slots.isPaused) {
      this.slots.pause();
      this.logger.log(`worker ${this.worker.workerId} cordoned: taking no new jobs`);
    } else if (control !== 'cordon' && this.slots.isPaused && !this.draining) {
      this.slots.resume();
      this.logger.log(`worker ${this.worker.workerId} uncordoned`);
    }
  }

  private async refreshIfDue(): Promise<void> {
    const snapshot = this.capabilities.snapshot;
    const due = Date.now() - this.lastRefreshAt >= this.worker.modelRefreshIntervalMs;
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      // A job found the engine unreachable and stopped the intake (circuit open): probe it now.
      const circuitOpen =
        (snapshot?.models.length ?? 0) > 0 &&
        this.source.models.length === 0 &&
        !this.draining &&
        this.circuit.isClosed;
      if (snapshot?.engineReachable && !due && !circuitOpen) await this.publishLoaded();
      else await this.refresh();
    } catch (error) {
      this.logger.warn(`model refresh failed: ${(error as Error).message}`);
    } finally {
      this.refreshing = false;
    }
  }

  /**
   * Re-reads the engine's loaded models and publishes at once when they changed, so an unload or a
   * keep-alive expiry leaves /api/ps within one beat (not two) and a fresh load shows before its answer ends.
   */
  private async publishLoaded(): Promise<void> {
    const before = loadedNames(this.capabilities.snapshot?.loadedModels);
    await this.capabilities.refreshLoaded();
    if (loadedNames(this.capabilities.snapshot?.loadedModels) !== before) await this.publish();
  }

  /** Refreshes one at a time, in order: a slow older read must never overwrite a newer one. */
  private refresh(): Promise<void> {
    const next = this.refreshChain.then(async () => {
      this.lastRefreshAt = Date.now();
      const fresh = await this.capabilities.refresh();
      // An open circuit keeps the intake shut: only its canary reopens it. A model that left a reachable
      // engine still has jobs admitted on this worker's claim until the next publish: they are taken and
      // fail there. An unreachable engine lists no models: its jobs stay queued.
      if (!this.draining && this.circuit.isClosed)
        await this.source.setModels(
          fresh.models.map((model) => model.name),
          { finishAdmitted: fresh.engineReachable },
        );
    });
    this.refreshChain = next.catch(() => undefined);
    return next;
  }

  private async publish(): Promise<void> {
    const info = this.info();
    const now = info.status === 'ready' ? info.models.map((model) => model.name) : [];
    const dropped = this.published.filter((model) => !now.includes(model));
    await this.registry.publish(info, dropped);
    this.source.claimsWithdrawn(dropped);
    this.published = info.models.map((model) => model.name);
    await this.publishAvailability(info);
  }

  /** Warm (loaded) models and the tier decide this worker's placement class per model. */
  private async publishAvailability(info: WorkerInfo): Promise<void> {
    if (info.status !== 'ready') {
      await this.source.withdrawAvailability();
      return;
    }
    const loaded = new Set(info.loadedModels.map((model) => model.name));
    const freeMemory = freeMemoryBytes(info);
    this.source.setStanding(
      new Map(
        info.models.map((model) => [
          model.name,
          { warm: loaded.has(model.name), room: model.size <= freeMemory, tier: info.tier },
        ]),
      ),
    );
    await this.source.publishAvailability(info.slots - info.runningJobs);
  }

  private info(): WorkerInfo {
    const snapshot = this.capabilities.snapshot;
    return {
      id: this.worker.workerId,
      status: this.status,
      statusReason: snapshot?.engineProblem ?? this.circuit.reason,
      circuit: this.circuit.state,
      engine: snapshot?.engine ?? 'ollama',
      engineVersion: snapshot?.engineVersion,
      models: snapshot?.models ?? [],
      loadedModels: snapshot?.loadedModels ?? [],
      hardware: snapshot?.hardware ?? {
        cpuCores: 0,
        cpuModel: 'unknown',
        memoryTotalBytes: 0,
        memoryFreeBytes: 0,
        gpus: [],
      },
      tier: snapshot?.tier ?? 'low',
      slots: this.slots.slots,
      runningJobs: this.slots.runningJobs,
      heartbeatIntervalMs: this.queue.heartbeatIntervalMs,
      startedAt: this.startedAt,
      lastHeartbeatAt: Date.now(),
    };
  }
}

/** The loaded set, to tell whether a re-read changed it (new expiries alone wait for the next beat). */
function loadedNames(models: WorkerInfo['loadedModels'] | undefined): string {
  return (models ?? [])
    .map((model) => model.name)
    .sort()
    .join(',');
}

/** Memory a model could be loaded into without evicting another: free GPU memory where there are GPUs, else free RAM. */
export function freeMemoryBytes(info: Pick<WorkerInfo, 'hardware'>): number {
  const { gpus, memoryFreeBytes } = info.hardware;
  if (gpus.length === 0) return memoryFreeBytes;
  return gpus.reduce((sum, gpu) => sum + (gpu.memoryFreeMb ?? 0) * 1024 * 1024, 0);
}
