import { OllamaModel, WorkerInfo } from '@gridllm/contracts';

import { mergeFleetLoadedModels, mergeFleetModels } from './fleet-models';

function model(name: string, digest: string, modifiedAt = '2026-01-01T00:00:00Z'): OllamaModel {
  return { name, model: name, digest, modified_at: modifiedAt, size: 1, details: {} };
}

function worker(id: string, models: OllamaModel[]): WorkerInfo {
  return {
    id,
    status: 'ready',
    engine: 'ollama',
    models,
    loadedModels: models.map((m) => ({ ...m, expires_at: '2026-01-01T00:05:00Z', size_vram: 0 })),
    hardware: { cpuCores: 1, cpuModel: 'x', memoryTotalBytes: 1, memoryFreeBytes: 1, gpus: [] },
    tier: 'medium',
    slots: 1,
    runningJobs: 0,
    heartbeatIntervalMs: 1000,
    startedAt: 0,
    lastHeartbeatAt: 0,
  };
}

describe('mergeFleetModels', () => {
  it('lists a model held by several workers once', () => {
    const sut = mergeFleetModels([
      worker('a', [model('llama3.2:latest', 'd1'), model('qwen:latest', 'q1')]),
      worker('b', [model('llama3.2:latest', 'd1')]),
    ]);
    expect(sut.map((m) => m.name).sort()).toEqual(['llama3.2:latest', 'qwen:latest']);
  });

  it('shows the digest most workers have when they disagree', () => {
    const sut = mergeFleetModels([
      worker('a', [model('m:latest', 'old', '2026-01-01T00:00:00Z')]),
      worker('b', [model('m:latest', 'new', '2026-02-01T00:00:00Z')]),
      worker('c', [model('m:latest', 'old', '2026-01-01T00:00:00Z')]),
    ]);
    expect(sut).toHaveLength(1);
    expect(sut[0].digest).toBe('old');
  });

  it('breaks a digest tie in favour of the most recently modified copy', () => {
    const sut = mergeFleetModels([
      worker('a', [model('m:latest', 'old', '2026-01-01T00:00:00Z')]),
      worker('b', [model('m:latest', 'new', '2026-02-01T00:00:00Z')]),
    ]);
    expect(sut[0].digest).toBe('new');
  });
});

describe('mergeFleetLoadedModels', () => {
  it('lists a model loaded on two workers once', () => {
    const sut = mergeFleetLoadedModels([
      worker('a', [model('m:latest', 'd')]),
      worker('b', [model('m:latest', 'd')]),
    ]);
    expect(sut).toHaveLength(1);
  });
});
