import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, workerConfig } from '@gridllm/config';
import { WorkerRegistry } from '@gridllm/registry';
import { JobSource } from '@gridllm/scheduler';

import { INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';
import { HeartbeatService } from '../registration/heartbeat.service';
import { shouldWarmAhead } from './warm-ahead-policy';

/** A cold load of a large model takes minutes; past this the worker takes the model's jobs again. */
const LOAD_TIMEOUT_MS = 5 * 60_000;
/** After a failed load the worker takes jobs the usual way for a while (a job reports the engine's error). */
const RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * Warm ahead of demand (docs/scheduling.md): when this worker, cold for a model but with room for it,
 * could take one of its jobs while the queue outgrows the warm workers, it loads the model instead (an
 * engine load, not a job) and leaves the jobs to the warm workers meanwhile; then it takes them warm.
 * Keep-alive unloads the model again once demand falls, as after any job.
 */
@Injectable()
export class WarmAhead implements OnApplicationBootstrap {
  private readonly logger = new Logger(WarmAhead.name);
  private readonly loading = new Set<string>();
  private readonly failedUntil = new Map<string, number>();
  /** Loaded by us, until the next read of the engine's loaded models says so too. */
  private readonly warmed = new Set<string>();

  constructor(
    private readonly source: JobSource,
    private readonly registry: WorkerRegistry,
    private readonly heartbeat: HeartbeatService,
    @Inject(INFERENCE_ENGINE) private readonly engine: InferenceEngine,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.queue.warmAhead.enabled) this.source.setWarmGate((model) => this.warmsFirst(model));
  }

  /** True when the model is loading here, or the queue's pressure just started a load. */
  async warmsFirst(model: string): Promise<boolean> {
    if (this.loading.has(model)) return true;
    if (this.warmed.has(model)) return false;
    if ((this.failedUntil.get(model) ?? 0) > Date.now()) return false;
    const [waiting, warmSlots] = await Promise.all([this.source.waiting(model), this.warmSlots(model)]);
    if (!shouldWarmAhead({ waiting, warmSlots, queuePerSlot: this.queue.warmAhead.queuePerSlot }))
      return false;
    this.loading.add(model);
    this.source.hold(model, Date.now() + LOAD_TIMEOUT_MS);
    this.logger.log(`warming ${model} ahead: ${waiting} jobs wait for ${warmSlots} warm slots`);
    void this.load(model);
    return true;
  }

  /** Slots of the other live workers that have the model loaded now. */
  private async warmSlots(model: string): Promise<number> {
    const ids = (await this.registry.workerIdsFor(model)).filter((id) => id !== this.worker.workerId);
    const workers = await Promise.all(ids.map((id) => this.registry.get(id)));
    return workers.reduce(
      (sum, info) => sum + (info?.loadedModels.some((loaded) => loaded.name === model) ? info.slots : 0),
      0,
    );
  }

  /**
   * Ollama's load request (an empty prompt). The model's jobs are taken again the moment it is loaded;
   * the fresh read of the loaded models (which makes the worker warm for placement) follows beside them.
   */
  private async load(model: string): Promise<void> {
    const started = Date.now();
    try {
      const chunks = this.engine.generate({ model, prompt: '' }, AbortSignal.timeout(LOAD_TIMEOUT_MS));
      for await (const chunk of chunks) void chunk;
      this.warmed.add(model);
      this.logger.log(`${model} warmed ahead in ${Date.now() - started} ms`);
      void this.heartbeat
        .refreshNow()
        .catch((error: Error) => this.logger.warn(`refresh after warming ${model}: ${error.message}`))
        .finally(() => this.warmed.delete(model));
    } catch (error) {
      this.failedUntil.set(model, Date.now() + RETRY_AFTER_FAILURE_MS);
      this.logger.warn(`warming ${model} ahead failed: ${(error as Error).message}`);
    } finally {
      this.loading.delete(model);
      this.source.release(model);
    }
  }
}
