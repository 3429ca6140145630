import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';

import { BlobTooLargeError } from './blob-digest';
import { DirectoryBlobStore } from './directory-blob-store';

const digestOf = (value: string) => `sha256:${createHash('sha256').update(value).digest('hex')}`;

describe(DirectoryBlobStore.name, () => {
  let dir: string;
  let sut: DirectoryBlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blob-store-'));
    sut = new DirectoryBlobStore(dir);
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe('write', () => {
    it('keeps a blob whose bytes hash to the expected digest, readable from any offset', async () => {
      const digest = digestOf('hello blob');

      const written = await sut.write(
        digest,
        Readable.from([Buffer.from('hello '), Buffer.from('blob')]),
        100,
      );

      expect(written).toEqual({ digest, size: 10, stored: true });
      expect(await sut.size(digest)).toBe(10);
      expect(await text(sut.read(digest, 6))).toBe('blob');
    });

    it('reports the actual digest of a mismatching body and keeps nothing', async () => {
      const expected = digestOf('something else');

      const written = await sut.write(expected, Readable.from([Buffer.from('hello')]), 100);

      expect(written).toEqual({ digest: digestOf('hello'), size: 5, stored: false });
      expect(await sut.size(expected)).toBeNull();
      expect(await readdir(join(dir, '.partial'))).toEqual([]);
    });

    it('fails a body beyond the limit and leaves no partial file', async () => {
      const body = Readable.from([Buffer.alloc(60), Buffer.alloc(60)]);

      await expect(sut.write(digestOf('x'), body, 100)).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(await readdir(join(dir, '.partial'))).toEqual([]);
    });
  });

  describe('size', () => {
    it('is null for a blob the store does not hold', async () => {
      expect(await sut.size(digestOf('absent'))).toBeNull();
    });
  });
});
