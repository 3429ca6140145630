import { createHash } from 'node:crypto';

import { ApiKeyRecord, ApiKeyStore } from '@gridllm/access';
import { parseGridConfig } from '@gridllm/config';
import { UnauthorizedError } from '@gridllm/contracts';

import { ApiKeyVerifier, INVALID_API_KEY } from './api-key-verifier';

const ADMIN_KEY = 'admin-key-for-verifier-tests-0123456789';
const SECRET = 'gllm_stored-secret';

const record: ApiKeyRecord = {
  id: 'key_abc',
  name: 'app',
  scopes: ['inference'],
  models: ['llama3.2:latest'],
  hint: 'gllm_st…cret',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe(ApiKeyVerifier.name, () => {
  let findBySecret: jest.Mock<Promise<ApiKeyRecord | null>, [string, string?]>;
  let sut: ApiKeyVerifier;

  beforeEach(() => {
    findBySecret = jest.fn().mockResolvedValue(null);
    const store = { findBySecret } as unknown as ApiKeyStore;
    sut = new ApiKeyVerifier(store, parseGridConfig({ ADMIN_API_KEY: ADMIN_KEY }).security);
  });

  describe('verify', () => {
    it('takes ADMIN_API_KEY as the admin, without asking the store', async () => {
      await expect(sut.verify(ADMIN_KEY)).resolves.toMatchObject({ kind: 'admin-key', scopes: ['admin'] });
      expect(findBySecret).not.toHaveBeenCalled();
    });

    it("hands the store the secret's SHA-256, so it need not hash it again", async () => {
      findBySecret.mockResolvedValue(record);

      await expect(sut.verify(SECRET)).resolves.toMatchObject({
        kind: 'api-key',
        id: 'key_abc',
        models: ['llama3.2:latest'],
      });
      expect(findBySecret).toHaveBeenCalledWith(SECRET, createHash('sha256').update(SECRET).digest('hex'));
    });

    it('refuses a secret the store does not know (unknown or revoked)', async () => {
      await expect(sut.verify(SECRET)).rejects.toThrow(new UnauthorizedError(INVALID_API_KEY));
    });

    it('refuses an expired key, saying when it expired', async () => {
      findBySecret.mockResolvedValue({ ...record, expiresAt: '2020-01-01T00:00:00.000Z' });

      await expect(sut.verify(SECRET)).rejects.toThrow(
        new UnauthorizedError('API key key_abc expired at 2020-01-01T00:00:00.000Z'),
      );
    });

    it('refuses, rather than fails, when the store cannot answer', async () => {
      findBySecret.mockRejectedValue(new Error('Connection is closed.'));

      await expect(sut.verify(SECRET)).rejects.toThrow(new UnauthorizedError(INVALID_API_KEY));
    });

    it('knows no admin key when ADMIN_API_KEY is unset', async () => {
      const store = { findBySecret } as unknown as ApiKeyStore;
      const withoutAdmin = new ApiKeyVerifier(store, parseGridConfig({}).security);

      await expect(withoutAdmin.verify(ADMIN_KEY)).rejects.toThrow(UnauthorizedError);
    });
  });
});
