import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';
import {
  EngineName,
  HardwareInfo,
  OllamaLoadedModel,
  OllamaModel,
  PerformanceTier,
  normalizeModelName,
} from '@gridllm/contracts';

import { INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';
import { DecodeSpeed } from './decode-speed';
import { HardwareProbe } from './hardware.probe';
import { classifyTier } from './performance-tier';

/** What the worker can serve right now, as last read from its engine and machine. */
export interface CapabilitySnapshot {
  engine: EngineName;
  engineReachable: boolean;
  engineVersion?: string;
  engineProblem?: string;
  models: OllamaModel[];
  loadedModels: OllamaLoadedModel[];
  hardware: HardwareInfo;
  tier: PerformanceTier;
}

/** Reads models, loaded models and version from the engine, and the hardware; keeps the last good read. */
@Injectable()
export class CapabilitiesService {
  private readonly logger = new Logger(CapabilitiesService.name);
  private current: CapabilitySnapshot | null = null;

  constructor(
    @Inject(INFERENCE_ENGINE) private readonly engine: InferenceEngine,
    private readonly hardware: HardwareProbe,
    private readonly speed: DecodeSpeed,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
  ) {}

  get snapshot(): CapabilitySnapshot | null {
    return this.current;
  }

  /** Re-reads only the loaded models (cheap), so /api/ps and warm placement follow load and unload closely. */
  async refreshLoaded(): Promise<void> {
    if (!this.current?.engineReachable) return;
    try {
      // Read first, then merge into the snapshot as it is now (a full refresh may have replaced it meanwhile).
      const loadedModels = (await this.engine.listLoaded()).map(normalizeEntry);
      if (this.current?.engineReachable) this.current = { ...this.current, loadedModels };
    } catch {
      // the next full refresh reports the engine's state
    }
  }

  /** Re-reads everything; an unreachable engine yields a snapshot with no models, not an exception. */
  async refresh(): Promise<CapabilitySnapshot> {
    const hardware = await this.hardware.read();
    const base = {
      engine: this.engine.name,
      hardware,
      tier: classifyTier(this.settings.performanceTier, hardware, this.speed.tokensPerSecond),
    };
    try {
      const [engineVersion, models, loadedModels] = await Promise.all([
        this.engine.version(),
        this.engine.listModels(),
        this.engine.listLoaded(),
      ]);
      if (this.current && !this.current.engineReachable) this.logger.log(`engine reachable again`);
      this.current = {
        ...base,
        engineReachable: true,
        engineVersion,
        models: models.map(normalizeEntry),
        loadedModels: loadedModels.map(normalizeEntry),
      };
    } catch (error) {
      const where = {
        ollama: this.settings.ollamaUrl,
        llamacpp: this.settings.llama.modelsDir,
        openai: this.settings.openai.baseUrl,
      }[this.engine.name];
      const problem = `engine ${this.engine.name} (${where}) not usable: ${(error as Error).message}`;
      if (this.current?.engineProblem !== problem) this.logger.warn(`${problem}; retrying`);
      this.current = {
        ...base,
        engineReachable: false,
        engineProblem: problem,
        models: [],
        loadedModels: [],
      };
    }
    return this.current;
  }
}

/** Registry entries use the normalised name so `llama3.2` and `llama3.2:latest` meet. */
function normalizeEntry<T extends OllamaModel>(model: T): T {
  const name = normalizeModelName(model.name);
  return { ...model, name, model: normalizeModelName(model.model ?? model.name) };
}
