import { blobLinkValid, signBlobLink } from './blob-link';

const KEY = 'worker-token-of-this-grid';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const NOW = 1_800_000_000;

function parts(query: string): { expires: string; signature: string } {
  const params = new URLSearchParams(query);
  return { expires: params.get('expires') ?? '', signature: params.get('signature') ?? '' };
}

describe('blob links', () => {
  describe(blobLinkValid.name, () => {
    it('accepts a link signed with the key for this digest before it expires', () => {
      const { expires, signature } = parts(signBlobLink(KEY, DIGEST, NOW + 60));

      expect(blobLinkValid(KEY, DIGEST, expires, signature, NOW)).toBe(true);
    });

    it('refuses an expired link', () => {
      const { expires, signature } = parts(signBlobLink(KEY, DIGEST, NOW - 1));

      expect(blobLinkValid(KEY, DIGEST, expires, signature, NOW)).toBe(false);
    });

    it('refuses a link for another digest, another key, or a moved expiry', () => {
      const { expires, signature } = parts(signBlobLink(KEY, DIGEST, NOW + 60));

      expect(blobLinkValid(KEY, `sha256:${'cd'.repeat(32)}`, expires, signature, NOW)).toBe(false);
      expect(blobLinkValid('another-grid-token', DIGEST, expires, signature, NOW)).toBe(false);
      expect(blobLinkValid(KEY, DIGEST, String(NOW + 3600), signature, NOW)).toBe(false);
    });

    it('refuses missing or malformed parameters', () => {
      expect(blobLinkValid(KEY, DIGEST, undefined, undefined, NOW)).toBe(false);
      expect(blobLinkValid(KEY, DIGEST, ['1'], 'x', NOW)).toBe(false);
      expect(blobLinkValid(KEY, DIGEST, '1e99', 'x', NOW)).toBe(false);
    });
  });
});
