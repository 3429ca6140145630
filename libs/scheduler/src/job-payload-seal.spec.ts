import { JobPayloadSeal, SealedPayloadError } from './job-payload-seal';

const TOKEN = 'grid-worker-token-0001';
const request = { model: 'llama3.2', prompt: 'the secret plan', options: { temperature: 0 } };

describe('JobPayloadSeal', () => {
  const seal = new JobPayloadSeal({ workerToken: TOKEN });

  it('seals the request so that no prompt text is stored, and opens it again', () => {
    const sealed = seal.seal('job-1', request);
    expect(sealed.request).toEqual({});
    expect(sealed.sealedRequest).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed.sealedRequest).not.toContain('secret');
    expect(seal.open({ id: 'job-1', ...sealed })).toEqual(request);
  });

  it('uses a fresh IV each time', () => {
    expect(seal.seal('job-1', request).sealedRequest).not.toBe(seal.seal('job-1', request).sealedRequest);
  });

  it('passes the request through on a grid without a token', () => {
    const open = new JobPayloadSeal({ workerToken: undefined });
    expect(open.seal('job-1', request)).toEqual({ request });
    expect(open.open({ id: 'job-1', request })).toBe(request);
  });

  it('refuses another token, another job id, altered data, and a worker without a token', () => {
    const { sealedRequest } = seal.seal('job-1', request);
    const data = { id: 'job-1', request: {}, sealedRequest };
    expect(() => new JobPayloadSeal({ workerToken: 'another-token-000002' }).open(data)).toThrow(
      SealedPayloadError,
    );
    expect(() => seal.open({ ...data, id: 'job-2' })).toThrow(/sealed with another WORKER_TOKEN, or altered/);
    const altered = sealedRequest!.slice(0, -2) + (sealedRequest!.endsWith('A') ? 'BB' : 'AA');
    expect(() => seal.open({ ...data, sealedRequest: altered })).toThrow(SealedPayloadError);
    expect(() => new JobPayloadSeal({ workerToken: undefined }).open(data)).toThrow(
      'job job-1 is sealed with WORKER_TOKEN; this worker has none',
    );
  });
});
