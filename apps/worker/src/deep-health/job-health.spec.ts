import { parseGridConfig } from '@gridllm/config';
import { JobKind } from '@gridllm/contracts';

import { EngineError } from '../engines/inference-engine';
import { AbortReason } from '../jobs/abort-reason';
import { EngineCircuit } from './engine-circuit';
import { JobHealth } from './job-health';
import { ModelUsage } from './model-usage';

describe(JobHealth.name, () => {
  const config = parseGridConfig({
    CIRCUIT_ERROR_THRESHOLD: '1',
    FIRST_TOKEN_TIMEOUT: '1000',
    WORKER_ID: 'w1',
  });
  let circuit: EngineCircuit;
  let usage: ModelUsage;
  let sut: JobHealth;

  beforeEach(() => {
    jest.useFakeTimers();
    circuit = new EngineCircuit(config.worker);
    usage = new ModelUsage();
    sut = new JobHealth(circuit, usage, config.queue, config.worker);
  });
  afterEach(() => jest.useRealTimers());

  describe('watch', () => {
    it('aborts the job as stalled when no token comes within FIRST_TOKEN_TIMEOUT', () => {
      const controller = new AbortController();
      const watch = sut.watch(controller);
      watch.started();
      jest.advanceTimersByTime(999);
      expect(controller.signal.aborted).toBe(false);
      jest.advanceTimersByTime(1);
      expect(controller.signal.reason).toBe(AbortReason.Stalled);
      expect(sut.stallError(watch)).toEqual({
        error:
          'worker w1: no token within FIRST_TOKEN_TIMEOUT (1000 ms); it leaves placement until a canary generation succeeds',
        status: 504,
      });
      watch.dispose();
    });
  });

  describe('failed', () => {
    it('treats a cancel that arrives after the silence limit (the gateway’s watchdog) as a stall', () => {
      const watch = sut.watch(new AbortController());
      watch.started();
      jest.advanceTimersByTime(1000);
      sut.failed(new Error('aborted'), AbortReason.Cancelled, watch);
      expect(circuit.reason).toMatch(/a job stalled \(no token within FIRST_TOKEN_TIMEOUT/);
      watch.dispose();
    });

    it('ignores a client’s cancel, client errors and what the engine cannot do', () => {
      const watch = sut.watch(new AbortController());
      watch.started();
      sut.failed(new Error('aborted'), AbortReason.Cancelled, watch);
      sut.failed(new EngineError('model not found', 404), undefined, watch);
      sut.failed(new EngineError('cannot pull', 501), undefined, watch);
      expect(circuit.isClosed).toBe(true);
      sut.failed(new EngineError('CUDA error', 500), undefined, watch);
      expect(circuit.isClosed).toBe(false);
      watch.dispose();
    });
  });

  describe('completed', () => {
    it('counts generate and chat jobs per model for the canary and the warm-up', () => {
      sut.completed(JobKind.Chat, 'a:latest');
      sut.completed(JobKind.Embed, 'b:latest');
      sut.completed(JobKind.Embed, 'b:latest');
      expect(usage.ranked(['b:latest', 'a:latest'])).toEqual(['a:latest', 'b:latest']);
    });
  });
});
