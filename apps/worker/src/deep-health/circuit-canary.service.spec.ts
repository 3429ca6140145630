import { parseGridConfig } from '@gridllm/config';
import { OllamaModel } from '@gridllm/contracts';
import { JobSource } from '@gridllm/scheduler';

import { CapabilitiesService } from '../capabilities/capabilities.service';
import { EngineChunk, EngineError, InferenceEngine } from '../engines/inference-engine';
import { HeartbeatService } from '../registration/heartbeat.service';
import { CircuitCanary } from './circuit-canary.service';
import { EngineCircuit } from './engine-circuit';
import { ModelUsage } from './model-usage';

const model = (name: string) => ({ name, model: name }) as OllamaModel;
const done = (): EngineChunk => ({ raw: '{"done":true}', chunk: { done: true } });

describe(CircuitCanary.name, () => {
  const config = parseGridConfig({ CIRCUIT_PROBE_INTERVAL: '1000', CIRCUIT_PROBE_TIMEOUT: '500' });
  let circuit: EngineCircuit;
  let usage: ModelUsage;
  let generated: Array<Record<string, unknown>>;
  let answer: (request: Record<string, unknown>) => AsyncIterable<EngineChunk>;
  let source: { withdrawAvailability: jest.Mock; setModels: jest.Mock };
  let heartbeat: { refreshNow: jest.Mock };
  let sut: CircuitCanary;

  const flush = async () => {
    for (let turn = 0; turn < 20; turn++) await Promise.resolve();
  };

  beforeEach(() => {
    jest.useFakeTimers();
    circuit = new EngineCircuit(config.worker);
    usage = new ModelUsage();
    generated = [];
    answer = async function* () {
      yield done();
    };
    const engine = {
      generate: (request: Record<string, unknown>) => {
        generated.push(request);
        return answer(request);
      },
    } as unknown as InferenceEngine;
    const capabilities = {
      snapshot: {
        models: [model('a:latest'), model('b:latest'), model('embed:latest')],
        loadedModels: [model('b:latest'), model('embed:latest')],
      },
    } as unknown as CapabilitiesService;
    source = {
      withdrawAvailability: jest.fn().mockResolvedValue(undefined),
      setModels: jest.fn().mockResolvedValue(undefined),
    };
    heartbeat = { refreshNow: jest.fn().mockResolvedValue(undefined) };
    sut = new CircuitCanary(
      circuit,
      usage,
      capabilities,
      heartbeat as unknown as HeartbeatService,
      source as unknown as JobSource,
      engine,
      config.worker,
      config.queue,
    );
  });
  afterEach(() => {
    sut.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('withdraws the worker from placement the moment the circuit opens', async () => {
    circuit.stalled('no token');
    await flush();
    expect(source.withdrawAvailability).toHaveBeenCalled();
    expect(source.setModels).toHaveBeenCalledWith([]);
    expect(heartbeat.refreshNow).toHaveBeenCalled();
    expect(generated).toEqual([]);
  });

  it('probes a loaded model with one token after the interval, warms the most used model, then closes', async () => {
    usage.record('a:latest');
    usage.record('embed:latest');
    circuit.stalled('no token');
    await flush();
    jest.advanceTimersByTime(1000);
    await flush();
    expect(generated).toEqual([
      { model: 'embed:latest', prompt: 'Hi', stream: true, options: { num_predict: 1 } },
      { model: 'a:latest', stream: true },
    ]);
    expect(circuit.state).toBe('closed');
    expect(heartbeat.refreshNow).toHaveBeenCalledTimes(2);
  });

  it('passes over a model that refuses generation (an embedding model) to the next', async () => {
    usage.record('embed:latest');
    answer = async function* (request) {
      if (request.model === 'embed:latest') throw new EngineError('"embed" does not support generate', 400);
      yield done();
    };
    circuit.stalled('no token');
    await flush();
    jest.advanceTimersByTime(1000);
    await flush();
    expect(generated.map((request) => request.model)).toEqual(['embed:latest', 'b:latest']);
    expect(circuit.state).toBe('closed');
  });

  it('stays open after a failed canary and doubles the wait before the next one', async () => {
    answer = async function* (request) {
      if (request.model) throw new EngineError('engine failure', 500);
      yield done();
    };
    circuit.stalled('no token');
    await flush();
    jest.advanceTimersByTime(1000);
    await flush();
    expect(circuit.reason).toBe('circuit open: canary failed (b:latest: engine failure)');
    expect(generated).toHaveLength(1);
    jest.advanceTimersByTime(1999);
    await flush();
    expect(generated).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await flush();
    expect(generated).toHaveLength(2);
    expect(circuit.state).toBe('open');
  });
});
