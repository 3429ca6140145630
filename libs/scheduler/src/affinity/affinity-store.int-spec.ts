import { specRedis } from '../../../../test/support/spec-redis';
import { AffinityStore } from './affinity-store';
import { CHECKPOINT_BLOCKS, PREFIX_BLOCK_CHARS, prefixChain, prefixCheckpoints } from './prefix-fingerprint';

const MODEL = 'm:latest';
const TTL = 60_000;
/** The checkpoint hashes of a prompt: a shared system part, then a conversation's own text. */
const checkpoints = (own: string, ownBlocks: number) =>
  prefixCheckpoints(
    prefixChain(`${'s'.repeat(28 * PREFIX_BLOCK_CHARS)}${own.repeat(ownBlocks * PREFIX_BLOCK_CHARS)}`),
  );

describe(AffinityStore.name, () => {
  const redis = specRedis('aff');
  let sut: AffinityStore;

  beforeAll(() => {
    sut = new AffinityStore(redis.newClient());
  });

  describe('remember', () => {
    it('writes one expiring key per checkpoint, not one per block, for the longest prompt', async () => {
      const longest = checkpoints('x', 1000);
      await sut.remember(MODEL, { prefix: longest }, 'w-1', TTL);

      const keys = await redis.admin.keys('aff:prefix:*');
      expect(keys).toHaveLength(CHECKPOINT_BLOCKS.length);
      for (const key of keys) expect(await redis.admin.pttl(key)).toBeGreaterThan(0);
    });
  });

  describe('remember with evicted checkpoints', () => {
    it("forgets the evicted prompt's checkpoints this worker holds, not one another worker served since", async () => {
      const evicted = checkpoints('e', 12); // blocks 1..40: 17 checkpoints, 15 of them shared
      await sut.remember(MODEL, { prefix: evicted }, 'w-1', TTL);
      await sut.remember(MODEL, { prefix: checkpoints('e', 4) }, 'w-2', TTL); // w-2 took blocks 1..32 since
      const incoming = checkpoints('n', 4);
      const notShared = evicted.filter((hash) => !incoming.includes(hash));

      await sut.remember(MODEL, { prefix: incoming }, 'w-1', TTL, notShared);

      // Block 40 was w-1's alone: gone, so a follow-up of the evicted chat finds w-2's block 32.
      expect((await sut.lookup(MODEL, checkpoints('e', 20), undefined)).prefix).toMatchObject({
        depth: 16,
        workerId: 'w-2',
      });
      expect((await sut.lookup(MODEL, incoming, undefined)).prefix).toMatchObject({
        depth: 16,
        workerId: 'w-1',
      });
    });
  });

  describe('lookup', () => {
    it('finds the worker of the deepest checkpoint a follow-up turn shares, with the part only it served', async () => {
      await sut.remember(MODEL, { prefix: checkpoints('a', 2) }, 'w-1', TTL); // blocks 1..30
      await sut.remember(MODEL, { prefix: checkpoints('b', 12) }, 'w-2', TTL); // blocks 1..40

      const found = await sut.lookup(MODEL, checkpoints('b', 20), undefined); // blocks 1..48

      // Checkpoints up to block 28 (the 15th) were served by both; 32 and 40 by w-2 alone.
      expect(found.prefix).toEqual({
        depth: 17,
        workerId: 'w-2',
        commonDepth: 0,
        expiresAt: expect.any(Number),
      });
      // Written just now: it expires about PREFIX_AFFINITY_TTL from now.
      expect(Math.abs(found.prefix!.expiresAt - Date.now() - TTL)).toBeLessThan(5_000);
    });

    it('names the latest worker of a prefix that moved, and counts as common one that changed hands more than twice', async () => {
      for (const worker of ['w-1', 'w-2', 'w-2', 'w:3'])
        await sut.remember(MODEL, { prefix: checkpoints('a', 4) }, worker, TTL);
      // The conversation moved twice (w-1 → w-2 → w:3): none of it is common yet.
      expect((await sut.lookup(MODEL, checkpoints('a', 4), undefined)).prefix).toMatchObject({
        depth: 16,
        workerId: 'w:3',
        commonDepth: 0,
      });

      for (const worker of ['w-1', 'w-2'])
        await sut.remember(MODEL, { prefix: checkpoints('b', 1) }, worker, TTL);
      // The 28 shared blocks (15 checkpoints) have now changed hands four times: common.
      expect((await sut.lookup(MODEL, checkpoints('a', 4), undefined)).prefix).toMatchObject({
        depth: 16,
        workerId: 'w:3',
        commonDepth: 15,
      });
    });

    it('finds nothing for a prompt no worker served, and the session with it', async () => {
      await redis.admin.set('aff:session:s-1', 'w-3');
      const found = await sut.lookup(MODEL, checkpoints('z', 3), 's-1');
      expect(found).toEqual({ session: 'w-3', prefix: null });
    });
  });
});
