import { HardwareInfo, PerformanceTier } from '@gridllm/contracts';

const GIB = 1024 ** 3;

/**
 * Start-up classification from hardware alone (the scheduler issue refines it from measured decode speed):
 * a GPU with ≥ 16 GiB is high, any other GPU or a large CPU box is medium, the rest low.
 */
export function classifyTier(configured: PerformanceTier | 'auto', hardware: HardwareInfo): PerformanceTier {
  if (configured !== 'auto') return configured;
  const gpuMemoryMb = hardware.gpus.reduce((sum, gpu) => sum + gpu.memoryTotalMb, 0);
  if (gpuMemoryMb >= 16 * 1024) return 'high';
  if (hardware.gpus.length > 0) return 'medium';
  if (hardware.cpuCores >= 16 && hardware.memoryTotalBytes >= 32 * GIB) return 'medium';
  return 'low';
}
