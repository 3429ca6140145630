import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig, workerConfig } from '@gridllm/config';
import { JobSource } from '@gridllm/scheduler';

import { CapabilitiesService } from '../capabilities/capabilities.service';
import { EngineError, INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';
import { HeartbeatService } from '../registration/heartbeat.service';
import { EngineCircuit } from './engine-circuit';
import { ModelUsage } from './model-usage';

/** Failed canaries double the wait, up to this many times CIRCUIT_PROBE_INTERVAL. */
const MAX_BACKOFF_FACTOR = 12;

/**
 * Takes the worker out of placement when its circuit opens, then probes the engine with a tiny real
 * generation (`num_predict: 1`) on a warm model, backing off after each failure. On success it warms
 * the most used model first, then closes the circuit and announces the worker's models and slots.
 */
@Injectable()
export class CircuitCanary implements OnApplicationShutdown {
  private readonly logger = new Logger(CircuitCanary.name);
  private timer: NodeJS.Timeout | null = null;
  private failedProbes = 0;

  constructor(
    private readonly circuit: EngineCircuit,
    private readonly usage: ModelUsage,
    private readonly capabilities: CapabilitiesService,
    private readonly heartbeat: HeartbeatService,
    private readonly source: JobSource,
    @Inject(INFERENCE_ENGINE) private readonly engine: InferenceEngine,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {
    circuit.onOpen(() => void this.leavePlacement());
  }

  onApplicationShutdown(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** No new job from now on: the availability board first (it lists the models served), then the intake. */
  private async leavePlacement(): Promise<void> {
    this.failedProbes = 0;
    try {
      await this.source.withdrawAvailability();
      await this.source.setModels([]);
      await this.heartbeat.refreshNow();
    } catch (error) {
      this.logger.warn(`leaving placement: ${(error as Error).message}`);
    }
    this.schedule();
  }

  private schedule(): void {
    const factor = Math.min(2 ** this.failedProbes, MAX_BACKOFF_FACTOR);
    const delay = this.worker.circuit.probeIntervalMs * factor;
    this.timer = setTimeout(() => void this.probe(), delay);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    this.timer = null;
    this.circuit.probing();
    try {
      const model = await this.canary();
      await this.warmMostUsed(model);
      this.failedProbes = 0;
      this.circuit.close();
      await this.heartbeat.refreshNow();
    } catch (error) {
      this.failedProbes += 1;
      this.circuit.probeFailed((error as Error).message);
      this.logger.warn(`canary failed: ${(error as Error).message}`);
      this.schedule();
    }
  }

  /**
   * One-token generation on the most used loaded model (cheapest to probe), else on the most used one;
   * a model that refuses generation (4xx: an embedding model) gives way to the next. Returns the model.
   */
  private async canary(): Promise<string> {
    const snapshot = this.capabilities.snapshot;
    const loaded = new Set(snapshot?.loadedModels.map((model) => model.name));
    const byUse = this.usage.ranked(snapshot?.models.map((model) => model.name) ?? []);
    const candidates = [
      ...byUse.filter((name) => loaded.has(name)),
      ...byUse.filter((name) => !loaded.has(name)),
    ];
    if (candidates.length === 0) throw new Error('the engine lists no model to probe');
    for (const model of candidates) {
      try {
        await this.generateOne(model);
        return model;
      } catch (error) {
        const refused = error instanceof EngineError && error.status >= 400 && error.status < 500;
        if (!refused) throw new Error(`${model}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no model accepts a generation (${candidates.join(', ')})`);
  }

  private async generateOne(model: string): Promise<void> {
    const timeoutMs = this.worker.circuit.probeTimeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    const request = { model, prompt: 'Hi', stream: true, options: { num_predict: 1 } };
    try {
      for await (const { chunk } of this.engine.generate(request, signal)) if (chunk.done === true) return;
    } catch (error) {
      if (signal.aborted) throw new Error(`no answer within CIRCUIT_PROBE_TIMEOUT (${timeoutMs} ms)`);
      throw error;
    }
    throw new Error('the engine closed the stream without a final chunk');
  }

  /** Loads the most used model when it is not the canary's and not loaded, so the first job finds it warm. */
  private async warmMostUsed(canary: string): Promise<void> {
    const snapshot = this.capabilities.snapshot;
    const [model] = this.usage.ranked(snapshot?.models.map((entry) => entry.name) ?? []);
    if (
      !model ||
      model === canary ||
      this.usage.count(model) === 0 ||
      snapshot?.loadedModels.some((entry) => entry.name === model)
    )
      return;
    const signal = AbortSignal.timeout(this.queue.firstTokenTimeoutMs);
    for await (const { chunk } of this.engine.generate({ model, stream: true }, signal))
      if (chunk.done) break;
    this.logger.log(`warmed ${model} before taking jobs again`);
  }
}
