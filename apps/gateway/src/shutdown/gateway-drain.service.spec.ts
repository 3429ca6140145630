import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig } from '@gridllm/config';

import { GatewayDrain, PROBE_WATCH_WINDOW_MS, SHUTDOWN_MESSAGE } from './gateway-drain.service';
import { HttpListener } from './http-listener';
import { InFlightRequests } from './in-flight-requests';

describe(GatewayDrain.name, () => {
  const steps: string[] = [];
  let now: number;
  let settledAnswers: boolean[];
  let sut: GatewayDrain;
  let requests: { count: number; closeConnections: jest.Mock; settled: jest.Mock; endStragglers: jest.Mock };
  let clock: { now: jest.Mock<number, []>; sleep: jest.Mock<Promise<void>, [number]> };

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    steps.length = 0;
    now = 1_000_000;
    settledAnswers = [true];
    requests = {
      count: 2,
      closeConnections: jest.fn(() => void steps.push('connection: close')),
      settled: jest.fn((ms: number) => {
        steps.push(`settled ${ms}`);
        return Promise.resolve(settledAnswers.shift() ?? true);
      }),
      endStragglers: jest.fn(() => (steps.push('stragglers'), 1)),
    };
    const listener = {
      stopAccepting: jest.fn(() => void steps.push('stop accepting')),
      closeAllConnections: jest.fn(() => void steps.push('close all')),
    };
    clock = {
      now: jest.fn(() => now),
      sleep: jest.fn((ms: number) => (steps.push(`sleep ${ms} (${sut.phase})`), Promise.resolve())),
    };
    const settings = { shutdown: { drainDelayMs: 5000, gracePeriodMs: 30000 } } as ConfigType<
      typeof gatewayConfig
    >;
    sut = new GatewayDrain(
      requests as unknown as InFlightRequests,
      listener as unknown as HttpListener,
      clock,
      settings,
    );
  });

  afterEach(() => jest.restoreAllMocks());

  describe('beforeApplicationShutdown', () => {
    it('turns not-ready and asks for Connection: close before the delay, then stops accepting and waits for open requests', async () => {
      sut.probed();
      await sut.beforeApplicationShutdown();
      expect(steps).toEqual([
        'connection: close',
        'sleep 5000 (draining)',
        'stop accepting',
        'settled 30000',
        'close all',
      ]);
      expect(sut.phase).toBe('closed');
      expect(sut.deadline.aborted).toBe(false);
    });

    it('skips the delay when nothing probed readiness within the watch window', async () => {
      sut.probed();
      now += PROBE_WATCH_WINDOW_MS + 1;
      await sut.beforeApplicationShutdown();
      expect(clock.sleep).toHaveBeenCalledWith(0);
    });

    it('skips the delay when readiness was never probed', async () => {
      await sut.beforeApplicationShutdown();
      expect(clock.sleep).toHaveBeenCalledWith(0);
    });

    it('aborts the deadline when the grace period ends with requests open, and ends what the relays did not', async () => {
      settledAnswers = [false, false, true];
      await sut.beforeApplicationShutdown();
      expect(sut.deadline.aborted).toBe(true);
      expect(steps.slice(3)).toEqual([
        'settled 30000',
        'settled 1000',
        'stragglers',
        'settled 1000',
        'close all',
      ]);
      expect(requests.endStragglers).toHaveBeenCalledWith(SHUTDOWN_MESSAGE);
    });

    it('leaves the stragglers alone when the relays ended every request', async () => {
      settledAnswers = [false, true];
      await sut.beforeApplicationShutdown();
      expect(sut.deadline.aborted).toBe(true);
      expect(requests.endStragglers).not.toHaveBeenCalled();
    });

    it('runs once even when called twice', async () => {
      await Promise.all([sut.beforeApplicationShutdown(), sut.beforeApplicationShutdown()]);
      expect(requests.closeConnections).toHaveBeenCalledTimes(1);
    });
  });
});
