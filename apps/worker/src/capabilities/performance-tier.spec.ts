import { HardwareInfo } from '@gridllm/contracts';

import { DecodeSpeed } from './decode-speed';
import { parseNvidiaSmi } from './hardware.probe';
import { classifyTier } from './performance-tier';

const cpuBox: HardwareInfo = {
  cpuCores: 2,
  cpuModel: 'x',
  memoryTotalBytes: 8 * 1024 ** 3,
  memoryFreeBytes: 0,
  gpus: [],
};

describe('classifyTier', () => {
  it('keeps an explicitly configured tier', () => {
    expect(classifyTier('high', cpuBox)).toBe('high');
  });

  it('ranks a machine with a large GPU high and a small CPU box low', () => {
    expect(classifyTier('auto', { ...cpuBox, gpus: [{ name: 'A100', memoryTotalMb: 40960 }] })).toBe('high');
    expect(classifyTier('auto', { ...cpuBox, gpus: [{ name: 'T4', memoryTotalMb: 8192 }] })).toBe('medium');
    expect(classifyTier('auto', cpuBox)).toBe('low');
  });
});

describe('classifyTier from measured decode speed', () => {
  it('lets the measured speed decide once there is one', () => {
    const bigGpu = { ...cpuBox, gpus: [{ name: 'A100', memoryTotalMb: 40960 }] };
    expect(classifyTier('auto', bigGpu, 5)).toBe('low');
    expect(classifyTier('auto', cpuBox, 20)).toBe('medium');
    expect(classifyTier('auto', cpuBox, 120)).toBe('high');
    expect(classifyTier('medium', cpuBox, 120)).toBe('medium');
  });
});

describe(DecodeSpeed.name, () => {
  it('reports nothing until a few jobs were measured, then a moving average', () => {
    const sut = new DecodeSpeed();
    sut.record(100, 1e9);
    sut.record(100, 1e9);
    expect(sut.tokensPerSecond).toBeNull();
    sut.record(100, 1e9);
    expect(sut.tokensPerSecond).toBeCloseTo(100);
    sut.record(200, 1e9);
    expect(sut.tokensPerSecond).toBeCloseTo(130);
  });

  it('ignores jobs without usable metrics', () => {
    const sut = new DecodeSpeed();
    for (let n = 0; n < 5; n++) sut.record(undefined, 0);
    expect(sut.tokensPerSecond).toBeNull();
  });
});

describe('parseNvidiaSmi', () => {
  it('reads one GPU per line', () => {
    expect(parseNvidiaSmi('NVIDIA A100-SXM4-40GB, 40960, 40000\nTesla T4, 15360, 15000\n')).toEqual([
      { name: 'NVIDIA A100-SXM4-40GB', memoryTotalMb: 40960, memoryFreeMb: 40000 },
      { name: 'Tesla T4', memoryTotalMb: 15360, memoryFreeMb: 15000 },
    ]);
  });
});
