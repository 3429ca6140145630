import {
  registrationSignedWith,
  signRegistration,
  workerTokenMatches,
  workerTokenProof,
} from './worker-token';

const TOKEN = 'grid-token-0123456789';
const OTHER = 'other-token-0123456789';

describe('workerTokenProof', () => {
  it('is matched by the token that made it', () => {
    expect(workerTokenMatches(TOKEN, workerTokenProof(TOKEN))).toBe(true);
  });

  it('is not matched by another token', () => {
    expect(workerTokenMatches(OTHER, workerTokenProof(TOKEN))).toBe(false);
  });

  it('never contains the token', () => {
    expect(workerTokenProof(TOKEN)).not.toContain(TOKEN);
  });

  it('is salted, so two grids with the same token store different proofs', () => {
    expect(workerTokenProof(TOKEN)).not.toBe(workerTokenProof(TOKEN));
  });

  it('has the documented form v1:<salt>:<hex HMAC-SHA256>', () => {
    expect(workerTokenProof(TOKEN, 'abc')).toMatch(/^v1:abc:[0-9a-f]{64}$/);
  });

  it.each(['', 'v1', 'v1:abc', 'v2:abc:00', 'v1:abc:zz', `v1:abc:${'0'.repeat(64)}`])(
    'rejects the malformed or forged proof %p',
    (proof) => {
      expect(workerTokenMatches(TOKEN, proof)).toBe(false);
    },
  );

  it('rejects a proof whose salt was changed after it was made', () => {
    const [, , mac] = workerTokenProof(TOKEN, 'salt-a').split(':');
    expect(workerTokenMatches(TOKEN, `v1:salt-b:${mac}`)).toBe(false);
  });
});

describe('signRegistration', () => {
  const registration = { id: 'gpu-box-1', startedAt: 1767225600000 };

  it('is verified with the same token, worker id and start time', () => {
    const signature = signRegistration(TOKEN, registration);
    expect(registrationSignedWith(TOKEN, registration, signature)).toBe(true);
  });

  it('fails with another token', () => {
    expect(registrationSignedWith(OTHER, registration, signRegistration(TOKEN, registration))).toBe(false);
  });

  it('fails when copied onto another worker id', () => {
    const signature = signRegistration(TOKEN, registration);
    expect(registrationSignedWith(TOKEN, { ...registration, id: 'gpu-box-2' }, signature)).toBe(false);
  });

  it('fails when copied onto another run of the worker', () => {
    const signature = signRegistration(TOKEN, registration);
    expect(registrationSignedWith(TOKEN, { ...registration, startedAt: 1 }, signature)).toBe(false);
  });

  it('keeps fields apart whatever characters an id holds', () => {
    const signature = signRegistration(TOKEN, { id: 'a:1', startedAt: 2 }, 'n');
    expect(registrationSignedWith(TOKEN, { id: 'a', startedAt: 12 }, signature)).toBe(false);
  });

  it.each([undefined, '', 'v1:nonce', 'v1:nonce:00:extra'])('fails for the signature %p', (signature) => {
    expect(registrationSignedWith(TOKEN, registration, signature)).toBe(false);
  });

  it('never contains the token', () => {
    expect(signRegistration(TOKEN, registration)).not.toContain(TOKEN);
  });
});
