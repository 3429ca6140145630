import { Logger } from '@nestjs/common';

import { WorkerInfo } from '@gridllm/contracts';

import { RegistrationSigner } from './registration-signer';

const TOKEN = 'grid-token-0123456789';

function worker(id: string, signature?: string): WorkerInfo {
  return {
    id,
    status: 'ready',
    engine: 'ollama',
    models: [],
    loadedModels: [],
    hardware: { cpuCores: 1, cpuModel: 'x', memoryTotalBytes: 1, memoryFreeBytes: 1, gpus: [] },
    tier: 'medium',
    slots: 1,
    runningJobs: 0,
    heartbeatIntervalMs: 1000,
    startedAt: 1767225600000,
    lastHeartbeatAt: 1767225601000,
    signature,
  };
}

describe(RegistrationSigner.name, () => {
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => warn.mockRestore());

  describe('without a token', () => {
    const sut = new RegistrationSigner({ workerToken: undefined });

    it('publishes registrations unsigned', () => {
      expect(sut.sign(worker('a')).signature).toBeUndefined();
    });

    it('trusts every registration', () => {
      expect(sut.trusts(worker('a', 'v1:forged:00'))).toBe(true);
    });
  });

  describe('with a token', () => {
    it('trusts what a worker with the same token signed, across heartbeats', () => {
      const signed = new RegistrationSigner({ workerToken: TOKEN }).sign(worker('a'));
      const sut = new RegistrationSigner({ workerToken: TOKEN });
      expect(sut.trusts(signed)).toBe(true);
      expect(sut.trusts({ ...signed, runningJobs: 1, lastHeartbeatAt: signed.lastHeartbeatAt + 1000 })).toBe(
        true,
      );
    });

    it('distrusts an unsigned registration', () => {
      expect(new RegistrationSigner({ workerToken: TOKEN }).trusts(worker('a'))).toBe(false);
    });

    it('distrusts a registration signed with another token', () => {
      const signed = new RegistrationSigner({ workerToken: 'another-token-0123456789' }).sign(worker('a'));
      expect(new RegistrationSigner({ workerToken: TOKEN }).trusts(signed)).toBe(false);
    });

    it('warns once per worker id, without the token or the signature', () => {
      const sut = new RegistrationSigner({ workerToken: TOKEN });
      sut.trusts(worker('a', 'v1:n:bad'));
      sut.trusts(worker('a', 'v1:n:bad'));
      sut.trusts(worker('b'));
      expect(warn).toHaveBeenCalledTimes(2);
      const logged = warn.mock.calls.map(([message]) => String(message)).join('\n');
      expect(logged).toContain('ignoring worker a');
      expect(logged).not.toContain(TOKEN);
      expect(logged).not.toContain('v1:n:bad');
    });
  });
});
