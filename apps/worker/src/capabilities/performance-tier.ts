import { HardwareInfo, PerformanceTier } from '@gridllm/contracts';

const GIB = 1024 ** 3;

/** Decode speeds (tokens/s, averaged over recent jobs) at which a worker counts as high / medium tier. */
export const SPEED_TIERS = { high: 40, medium: 15 } as const;

/**
 * PERFORMANCE_TIER=auto: from the hardware at start (a GPU with ≥ 16 GiB is high, any other GPU or a
 * large CPU box medium, the rest low), then from the measured decode speed of recent jobs once there is
 * one (≥ 40 tok/s high, ≥ 15 medium, else low). The speed depends on the models a worker runs, which
 * is the point: it says how fast this worker actually answers.
 */
export function classifyTier(
  configured: PerformanceTier | 'auto',
  hardware: HardwareInfo,
  measuredTokensPerSecond: number | null = null,
): PerformanceTier {
  if (configured !== 'auto') return configured;
  if (measuredTokensPerSecond !== null) {
    if (measuredTokensPerSecond >= SPEED_TIERS.high) return 'high';
    return measuredTokensPerSecond >= SPEED_TIERS.medium ? 'medium' : 'low';
  }
  const gpuMemoryMb = hardware.gpus.reduce((sum, gpu) => sum + gpu.memoryTotalMb, 0);
  if (gpuMemoryMb >= 16 * 1024) return 'high';
  if (hardware.gpus.length > 0) return 'medium';
  if (hardware.cpuCores >= 16 && hardware.memoryTotalBytes >= 32 * GIB) return 'medium';
  return 'low';
}
