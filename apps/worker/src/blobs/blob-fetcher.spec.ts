import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BlobFetcher } from './blob-fetcher';

const BLOB = Buffer.from('GGUF'.padEnd(64 * 1024, 'weights'));
const DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`;

/** A gateway stand-in on loopback: serves BLOB, honours `Range: bytes=N-`, and can cut the first answer short. */
function blobServer(options: {
  cutFirstAt?: number;
  status?: number;
}): Promise<{ url: string; server: Server; ranges: string[] }> {
  const ranges: string[] = [];
  const server = createServer((req, res) => {
    ranges.push(req.headers.range ?? '');
    if (options.status) return void res.writeHead(options.status).end();
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = BLOB.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, { 'Content-Length': body.length });
    if (ranges.length === 1 && options.cutFirstAt) {
      // Cut once the client has had time to put the first bytes on disk (what it resumes from).
      res.write(body.subarray(0, options.cutFirstAt), () => setTimeout(() => res.destroy(), 200));
      return;
    }
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/blob`, server, ranges }),
    ),
  );
}

describe(BlobFetcher.name, () => {
  const sut = new BlobFetcher();
  let dir: string;
  let server: Server | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blob-fetcher-'));
  });

  afterEach(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('fetch', () => {
    it('resumes a broken transfer with a Range request and keeps the verified file', async () => {
      const started = await blobServer({ cutFirstAt: 10_000 });
      server = started.server;
      const progress: number[] = [];

      const path = await sut.fetch(
        started.url,
        DIGEST,
        dir,
        (completed) => progress.push(completed),
        AbortSignal.timeout(10_000),
      );

      expect(started.ranges).toEqual(['', 'bytes=10000-']);
      expect(await readFile(path)).toEqual(BLOB);
      expect(progress[progress.length - 1]).toBe(BLOB.length);
    });

    it('refuses a file whose digest is not the one asked for, and keeps nothing', async () => {
      const started = await blobServer({});
      server = started.server;
      const wrong = `sha256:${'0'.repeat(64)}`;

      await expect(
        sut.fetch(started.url, wrong, dir, () => undefined, AbortSignal.timeout(10_000)),
      ).rejects.toThrow(`blob ${wrong} arrived with digest ${DIGEST}`);
      expect(await readdir(dir)).toEqual([]);
    });

    it('gives up at once when the gateway refuses the link', async () => {
      const started = await blobServer({ status: 401 });
      server = started.server;

      await expect(
        sut.fetch(started.url, DIGEST, dir, () => undefined, AbortSignal.timeout(10_000)),
      ).rejects.toThrow('the gateway refused the blob link (HTTP 401)');
      expect(started.ranges).toHaveLength(1);
    });
  });
});
