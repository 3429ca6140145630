import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AppProcess } from '../support/app-process';
import { TestGrid } from '../support/test-grid';

const MiB = 1024 * 1024;
const GiB_IN_CHUNKS = 1024;

/** Chunk `index` of a large deterministic body: generated on demand, never all held at once. */
function chunk(index: number): Buffer {
  const bytes = Buffer.alloc(MiB, index % 251);
  bytes.writeUInt32BE(index, 0);
  return bytes;
}

function digestOfChunks(count: number): string {
  const hash = createHash('sha256');
  for (let index = 0; index < count; index += 1) hash.update(chunk(index));
  return `sha256:${hash.digest('hex')}`;
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Streams `count` chunks as the request body (chunked, honouring backpressure); resolves with the status. */
function streamUpload(url: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const req = request(url, { method: 'POST' }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(status));
    });
    // A gateway that refuses the body answers first, then closes the connection under the upload.
    req.on('error', (error) => (status ? resolve(status) : reject(error)));
    let index = 0;
    const pump = () => {
      while (index < count) {
        const more = req.write(chunk(index));
        index += 1;
        if (!more) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Resident memory of a process, in bytes: now (VmRSS) and its peak so far (VmHWM). */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

describe('Blobs (/api/blobs/:digest)', () => {
  const grid = new TestGrid();
  let blobDir: string;

  beforeAll(async () => {
    blobDir = await mkdtemp(join(tmpdir(), 'gridllm-blobs-'));
    await grid.start();
    // BODY_LIMIT stays small: blob uploads must not be bound by it.
    await grid.startGateway({ BLOB_DIR: blobDir, BLOB_MAX_BYTES: '2gb', BODY_LIMIT: '1mb' });
  });

  afterAll(async () => {
    await grid.stop();
    await rm(blobDir, { recursive: true, force: true });
  });

  it('answers 404 for a blob it does not hold, then 201 for a matching upload and 200 for HEAD', async () => {
    const body = Buffer.from('GGUF pretend weights');
    const digest = digestOf(body);
    for (const base of [grid.gatewayUrl, `${grid.gatewayUrl}/ollama`]) {
      expect((await fetch(`${base}/api/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
    }
    const upload = await fetch(`${grid.gatewayUrl}/ollama/api/blobs/${digest}`, { method: 'POST', body });
    expect(upload.status).toBe(201);
    expect((await fetch(`${grid.gatewayUrl}/api/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
    const again = await fetch(`${grid.gatewayUrl}/api/blobs/${digest}`, { method: 'POST', body });
    expect(again.status).toBe(200);
    expect(await readdir(blobDir)).toContain(digest.replace(':', '-'));
  });

  it('refuses a body whose sha256 is not the digest, in Ollama’s words, and keeps nothing', async () => {
    const claimed = digestOf(Buffer.from('what the client meant'));
    const body = Buffer.from('what the client sent');
    const response = await fetch(`${grid.gatewayUrl}/api/blobs/${claimed}`, { method: 'POST', body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: `digest mismatch, expected "${claimed}", got "${digestOf(body)}"`,
    });
    expect((await fetch(`${grid.gatewayUrl}/api/blobs/${claimed}`, { method: 'HEAD' })).status).toBe(404);
    expect(await readdir(join(blobDir, '.partial'))).toEqual([]);
  });

  it('refuses an invalid digest with 400 "invalid digest format"', async () => {
    const response = await fetch(`${grid.gatewayUrl}/api/blobs/sha256:abc`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid digest format' });
    expect((await fetch(`${grid.gatewayUrl}/api/blobs/md5:abc`, { method: 'HEAD' })).status).toBe(400);
  });

  it('answers 413 for a blob over BLOB_MAX_BYTES, from its Content-Length', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${grid.gatewayUrl}/api/blobs/${digest}`, {
        method: 'POST',
        headers: { 'Content-Length': String(3 * 1024 * MiB) },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.write(chunk(0));
    });
    expect(status).toBe(413);
  });

  it('answers 413 for a chunked upload past BLOB_MAX_BYTES; a second gateway on the same BLOB_DIR sees the blobs', async () => {
    const small = await new AppProcess('gateway', {
      ...grid.redisEnv(),
      BLOB_DIR: blobDir,
      BLOB_MAX_BYTES: '1mb',
    }).start();
    try {
      const shared = digestOf(Buffer.from('GGUF pretend weights'));
      expect((await fetch(`${await small.url}/api/blobs/${shared}`, { method: 'HEAD' })).status).toBe(200);
      const digest = digestOfChunks(3);
      const status = await streamUpload(`${await small.url}/api/blobs/${digest}`, 3);
      expect(status).toBe(413);
      expect((await fetch(`${grid.gatewayUrl}/api/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
      expect(await readdir(join(blobDir, '.partial'))).toEqual([]);
    } finally {
      await small.stop();
    }
  });

  it('streams a 1 GB upload to disk while hashing, with bounded gateway memory', async () => {
    const digest = digestOfChunks(GiB_IN_CHUNKS);
    const pid = grid.gateway?.pid as number;
    const before = await memoryOf(pid);
    const startedAt = Date.now();

    const status = await streamUpload(`${grid.gatewayUrl}/api/blobs/${digest}`, GiB_IN_CHUNKS);

    const seconds = (Date.now() - startedAt) / 1000;
    const after = await memoryOf(pid);
    const growthMiB = (after.peak - before.rss) / MiB;
    console.log(
      `1 GiB blob upload: ${seconds.toFixed(1)} s (${(1024 / seconds).toFixed(0)} MiB/s); gateway RSS ` +
        `${(before.rss / MiB).toFixed(0)} MiB before, peak ${(after.peak / MiB).toFixed(0)} MiB (+${growthMiB.toFixed(0)} MiB)`,
    );
    expect(status).toBe(201);
    expect(growthMiB).toBeLessThan(300);
    expect((await fetch(`${grid.gatewayUrl}/api/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
    await rm(join(blobDir, digest.replace(':', '-')));
  }, 300_000);
});
