import { OllamaLoadedModel, OllamaModel } from './ollama';

export type PerformanceTier = 'high' | 'medium' | 'low';
export type EngineName = 'ollama' | 'llamacpp' | 'openai';
/**
 * Deep health of a worker's engine: `open` after stalled jobs or repeated engine failures (out of
 * placement), `half-open` while a canary generation probes it, `closed` when it takes jobs.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';
/** `cordoned`: an operator stopped new jobs (running ones finish); `draining`: cordoned or shutting down with jobs still running. */
export type WorkerStatus = 'ready' | 'not-ready' | 'draining' | 'cordoned';

export interface GpuInfo {
  name: string;
  memoryTotalMb: number;
  memoryFreeMb?: number;
}

export interface HardwareInfo {
  cpuCores: number;
  cpuModel: string;
  memoryTotalBytes: number;
  memoryFreeBytes: number;
  gpus: GpuInfo[];
}

/** What a worker publishes about itself on every heartbeat. */
export interface WorkerInfo {
  id: string;
  status: WorkerStatus;
  engine: EngineName;
  engineVersion?: string;
  /** Why the worker is not ready (engine unreachable ...), when it is not. */
  statusReason?: string;
  /** Deep health (absent from workers that predate it: closed). */
  circuit?: CircuitState;
  /** Normalised model names plus the engine's own details. */
  models: OllamaModel[];
  loadedModels: OllamaLoadedModel[];
  hardware: HardwareInfo;
  tier: PerformanceTier;
  slots: number;
  runningJobs: number;
  heartbeatIntervalMs: number;
  startedAt: number;
  lastHeartbeatAt: number;
  /**
   * HMAC with the grid's WORKER_TOKEN over id, startedAt and a per-boot nonce (`v1:<nonce>:<hex>`), when the
   * worker has a token. Lives only in Redis: the registry checks it and strips it from what it returns.
   */
  signature?: string;
}
