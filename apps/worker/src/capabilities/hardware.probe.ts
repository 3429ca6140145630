import { Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { cpus, freemem, totalmem } from 'node:os';
import { promisify } from 'node:util';

import { GpuInfo, HardwareInfo } from '@gridllm/contracts';

const run = promisify(execFile);
const NVIDIA_SMI_TIMEOUT_MS = 3000;

/** Reads the machine: CPU, RAM, and NVIDIA GPUs when `nvidia-smi` is present. */
@Injectable()
export class HardwareProbe {
  async read(): Promise<HardwareInfo> {
    const processors = cpus();
    return {
      cpuCores: processors.length,
      cpuModel: processors[0]?.model ?? 'unknown',
      memoryTotalBytes: totalmem(),
      memoryFreeBytes: freemem(),
      gpus: await this.gpus(),
    };
  }

  private async gpus(): Promise<GpuInfo[]> {
    try {
      const { stdout } = await run(
        'nvidia-smi',
        ['--query-gpu=name,memory.total,memory.free', '--format=csv,noheader,nounits'],
        { timeout: NVIDIA_SMI_TIMEOUT_MS },
      );
      return parseNvidiaSmi(stdout);
    } catch {
      return []; // no nvidia-smi, or no usable GPU
    }
  }
}

/** Parses `nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(stdout: string): GpuInfo[] {
  return stdout
    .split('\n')
    .map((line) => line.split(',').map((field) => field.trim()))
    .filter((fields) => fields.length >= 2 && fields[0] !== '')
    .map(([name, total, free]) => ({
      name,
      memoryTotalMb: Number(total) || 0,
      memoryFreeMb: free === undefined ? undefined : Number(free) || 0,
    }));
}
