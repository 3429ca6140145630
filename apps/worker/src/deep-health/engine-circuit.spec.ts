import { parseGridConfig } from '@gridllm/config';

import { EngineCircuit } from './engine-circuit';

describe(EngineCircuit.name, () => {
  const make = () => new EngineCircuit(parseGridConfig({ CIRCUIT_ERROR_THRESHOLD: '3' }).worker);

  describe('failed', () => {
    it('opens after CIRCUIT_ERROR_THRESHOLD engine failures in a row, not before', () => {
      const sut = make();
      const opened = jest.fn();
      sut.onOpen(opened);
      sut.failed('HTTP 500');
      sut.failed('HTTP 500');
      expect(sut.state).toBe('closed');
      sut.failed('HTTP 502');
      expect(sut.state).toBe('open');
      expect(sut.reason).toBe('circuit open: 3 engine failures in a row (last: HTTP 502)');
      expect(opened).toHaveBeenCalledTimes(1);
    });

    it('starts counting again after a completed job', () => {
      const sut = make();
      sut.failed('x');
      sut.failed('x');
      sut.succeeded();
      sut.failed('x');
      expect(sut.isClosed).toBe(true);
    });
  });

  describe('stalled', () => {
    it('opens at once and tells the listeners only the first time', () => {
      const sut = make();
      const opened = jest.fn();
      sut.onOpen(opened);
      sut.stalled('no token within FIRST_TOKEN_TIMEOUT (1500 ms)');
      sut.stalled('again');
      expect(sut.state).toBe('open');
      expect(sut.trips).toBe(1);
      expect(opened).toHaveBeenCalledTimes(1);
    });
  });

  describe('probing', () => {
    it('goes half-open during a canary, open again when it fails, closed when it succeeds', () => {
      const sut = make();
      sut.stalled('x');
      sut.probing();
      expect(sut.state).toBe('half-open');
      sut.probeFailed('m: no answer');
      expect(sut.state).toBe('open');
      expect(sut.reason).toBe('circuit open: canary failed (m: no answer)');
      sut.probing();
      sut.close();
      expect(sut.state).toBe('closed');
      expect(sut.reason).toBeUndefined();
    });
  });
});
