import { JobKind, WorkerInfo } from '@gridllm/contracts';

import type { FinishedJob, RunningJob } from './dashboard-frame';
import type { ModelSample } from './grid-sampler';
import { GridTally, MAX_TTFT_SAMPLES } from './grid-tally';

const T0 = 1_800_000_000_000;

function worker(id: string, overrides: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    id,
    status: 'ready',
    engine: 'ollama',
    models: [{ name: 'm:latest' } as WorkerInfo['models'][number]],
    loadedModels: [],
    hardware: { cpuCores: 2, cpuModel: 'cpu', memoryTotalBytes: 1, memoryFreeBytes: 1, gpus: [] },
    tier: 'medium',
    slots: 2,
    runningJobs: 0,
    heartbeatIntervalMs: 1000,
    startedAt: T0,
    lastHeartbeatAt: T0,
    signature: 'v1:secret',
    ...overrides,
  };
}

function running(id: string, tokens: number, workerId = 'w1'): RunningJob {
  return {
    id,
    model: 'm:latest',
    kind: JobKind.Chat,
    priority: 'medium',
    workerId,
    ownerId: null,
    tokens,
    submittedAt: T0,
    startedAt: T0,
  };
}

function finished(id: string, overrides: Partial<FinishedJob> = {}): FinishedJob {
  return {
    id,
    model: 'm:latest',
    kind: JobKind.Chat,
    outcome: 'completed',
    status: 200,
    error: null,
    workerId: 'w1',
    ownerId: null,
    latencyMs: 100,
    queueMs: 5,
    ttftMs: 20,
    tokens: 10,
    finishedAt: T0,
    ...overrides,
  };
}

function sample(waiting: { high: number; medium: number; low: number }, durationsMs: number[]): ModelSample {
  return {
    model: 'm:latest',
    activeIds: [],
    waiting,
    oldestQueuedAt: { high: null, medium: T0, low: null },
    durationsMs,
    finished: [],
  };
}

describe(GridTally.name, () => {
  let sut: GridTally;
  beforeEach(() => (sut = new GridTally()));

  describe('point', () => {
    it('counts the tokens a running job added since the last tick, and its final ones once it finishes', () => {
      sut.point(T0, 0);
      sut.observeRunning([running('a', 4)], T0 + 1000);
      expect(sut.point(T0 + 1000, 0).tokens).toBe(4);
      sut.observeRunning([running('a', 10)], T0 + 2000);
      expect(sut.point(T0 + 2000, 0).tokens).toBe(6);
      sut.observeFinished(finished('a', { tokens: 12 }), T0 + 3000);
      const last = sut.point(T0 + 3000, 3);
      expect(last).toMatchObject({ tokens: 2, requests: 1, errors: 0, queued: 3, ttftP50: 20, ttftP95: 20 });
    });

    it('counts failures as errors but not cancellations, and forgets TTFTs older than 10 s', () => {
      sut.point(T0, 0);
      sut.observeFinished(finished('a', { outcome: 'failed', ttftMs: null }), T0 + 1000);
      sut.observeFinished(finished('b', { outcome: 'cancelled', ttftMs: null }), T0 + 1000);
      sut.observeFinished(finished('c', { ttftMs: 50 }), T0 + 1000);
      expect(sut.point(T0 + 1000, 0)).toMatchObject({ requests: 3, errors: 1, ttftP50: 50 });
      expect(sut.point(T0 + 12_000, 0)).toMatchObject({ requests: 0, ttftP50: null, ttftP95: null });
    });

    it('takes the TTFT percentiles over the newest MAX_TTFT_SAMPLES of the window', () => {
      sut.point(T0, 0);
      for (let n = 0; n < 2 * MAX_TTFT_SAMPLES; n++)
        sut.observeFinished(finished(`old-${n}`, { ttftMs: 10 }), T0 + 500);
      for (let n = 0; n < MAX_TTFT_SAMPLES; n++)
        sut.observeFinished(finished(`new-${n}`, { ttftMs: 100 + n }), T0 + 1000);
      expect(sut.point(T0 + 1000, 0)).toMatchObject({
        requests: 3 * MAX_TTFT_SAMPLES,
        ttftP50: 100 + MAX_TTFT_SAMPLES / 2 - 1,
        ttftP95: 100 + 0.95 * MAX_TTFT_SAMPLES - 1,
      });
    });

    it('gives rates per second when ticks are further apart', () => {
      sut.point(T0, 0);
      sut.observeRunning([running('a', 20)], T0 + 2000);
      expect(sut.point(T0 + 2000, 0).tokens).toBe(10);
    });
  });

  describe('fleet', () => {
    it('marks a worker with every slot taken busy, and never shows its signature', () => {
      const rows = sut.fleet([worker('w1'), worker('w2')], [running('a', 1), running('b', 1)], T0);
      expect(rows.map((row) => [row.info.id, row.state, row.slotsUsed])).toEqual([
        ['w1', 'busy', 2],
        ['w2', 'ready', 0],
      ]);
      expect(JSON.stringify(rows)).not.toContain('secret');
    });

    it('lists a worker that disappeared as gone for a minute, then drops it', () => {
      sut.fleet([worker('w1'), worker('w2', { status: 'cordoned' })], [], T0);
      expect(sut.fleet([worker('w1')], [], T0 + 1000).map((row) => [row.info.id, row.state])).toEqual([
        ['w1', 'ready'],
        ['w2', 'gone'],
      ]);
      expect(sut.fleet([worker('w1')], [], T0 + 62_000).map((row) => row.info.id)).toEqual(['w1']);
    });

    it('averages a worker’s tokens over the last minute', () => {
      sut.observeRunning([running('a', 120)], T0);
      expect(sut.fleet([worker('w1')], [], T0 + 1000)[0].tokensPerSecond).toBe(2);
      expect(sut.fleet([worker('w1')], [], T0 + 61_000)[0].tokensPerSecond).toBe(0);
    });
  });

  describe('queues', () => {
    it('gives no wait while a slot is free, and one run time per full round of slots ahead', () => {
      const idle = sut.queues([sample({ high: 0, medium: 0, low: 0 }, [1000])], [worker('w1')], [], T0);
      expect(idle.map((row) => row.etaMs)).toEqual([0, 0, 0]);
      const busy = [running('a', 1), running('b', 1)];
      const rows = sut.queues(
        [sample({ high: 1, medium: 2, low: 0 }, [1000, 3000])],
        [worker('w1')],
        busy,
        T0,
      );
      expect(rows.map((row) => [row.priority, row.depth, row.etaMs])).toEqual([
        ['high', 1, 2000],
        ['medium', 2, 4000],
        ['low', 0, 4000],
      ]);
    });

    it('counts the jobs that started in the last minute per model and priority', () => {
      sut.observeRunning([running('a', 0), running('b', 0)], T0);
      sut.observeRunning([running('a', 3), running('b', 3)], T0 + 1000);
      const rows = sut.queues([sample({ high: 0, medium: 0, low: 0 }, [])], [worker('w1')], [], T0 + 2000);
      expect(rows.find((row) => row.priority === 'medium')?.startedPerMinute).toBe(2);
      const later = sut.queues([sample({ high: 0, medium: 0, low: 0 }, [])], [worker('w1')], [], T0 + 70_000);
      expect(later.find((row) => row.priority === 'medium')?.startedPerMinute).toBe(0);
    });
  });
});
