import { AppProcess } from '../support/app-process';
import { TestGrid, postJson } from '../support/test-grid';

const ADMIN_KEY = 'admin-key-for-revocation-tests-0123456789';
/** How late a revocation may take effect on a gateway that holds the key in its cache (KEY_CACHE_MS). */
const KEY_CACHE_MS = 1000;

interface IssuedKey {
  key: string;
  id: string;
}

interface Attempt {
  sentAt: number;
  status: number;
}

describe('API key changes across gateway replicas', () => {
  const grid = new TestGrid();
  let second: AppProcess | null = null;
  let urls: string[] = [];

  const adminHeaders = { Authorization: `Bearer ${ADMIN_KEY}` };
  const tags = (url: string, key: string) =>
    fetch(`${url}/api/tags`, { headers: { Authorization: `Bearer ${key}` } });

  async function createKey(): Promise<IssuedKey> {
    const response = await postJson(
      `${urls[0]}/admin/keys`,
      { name: 'replicated', scopes: ['inference'] },
      { headers: { ...adminHeaders, 'Content-Type': 'application/json' } },
    );
    expect(response.status).toBe(201);
    return (await response.json()) as IssuedKey;
  }

  /** Sends requests with `key` to `url` back to back (each keeps its cache entry fresh) until `done`. */
  async function hammer(url: string, key: string, done: () => boolean): Promise<Attempt[]> {
    const attempts: Attempt[] = [];
    while (!done()) {
      const sentAt = Date.now();
      attempts.push({ sentAt, status: (await tags(url, key)).status });
    }
    return attempts;
  }

  /** Runs `change` through the first gateway while the second is kept busy with `key`; when it answered. */
  async function changeWhileInUse(key: string, change: () => Promise<Response>) {
    let stopAt = Infinity;
    const load = hammer(urls[1], key, () => Date.now() > stopAt);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const response = await change();
    expect(response.status).toBe(200);
    const changedAt = Date.now();
    stopAt = changedAt + KEY_CACHE_MS + 500;
    return { changedAt, attempts: await load };
  }

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway({ ADMIN_API_KEY: ADMIN_KEY });
    second = await new AppProcess('gateway', { ...grid.redisEnv(), ADMIN_API_KEY: ADMIN_KEY }).start();
    urls = [grid.gatewayUrl, await second.url];
  });

  afterAll(async () => {
    await second?.stop('SIGKILL');
    await grid.stop();
  });

  it('refuses a key revoked on one gateway on the other within a second, while it is in use there', async () => {
    const key = await createKey();
    expect((await tags(urls[1], key.key)).status).toBe(200);

    const { changedAt, attempts } = await changeWhileInUse(key.key, () =>
      fetch(`${urls[0]}/admin/keys/${key.id}`, { method: 'DELETE', headers: adminHeaders }),
    );

    expect(attempts.filter((attempt) => attempt.sentAt < changedAt).map((a) => a.status)).toContain(200);
    const late = attempts.filter((attempt) => attempt.sentAt >= changedAt + KEY_CACHE_MS);
    expect(late.length).toBeGreaterThan(0);
    expect(new Set(late.map((attempt) => attempt.status))).toEqual(new Set([401]));
    expect((await tags(urls[0], key.key)).status).toBe(401);
  });

  it('refuses an old secret rotated on one gateway on the other within a second, and takes the new one', async () => {
    const key = await createKey();
    let rotated = '';

    const { changedAt, attempts } = await changeWhileInUse(key.key, async () => {
      const response = await fetch(`${urls[0]}/admin/keys/${key.id}/rotate`, {
        method: 'POST',
        headers: adminHeaders,
      });
      rotated = ((await response.clone().json()) as IssuedKey).key;
      return response;
    });

    const late = attempts.filter((attempt) => attempt.sentAt >= changedAt + KEY_CACHE_MS);
    expect(late.length).toBeGreaterThan(0);
    expect(new Set(late.map((attempt) => attempt.status))).toEqual(new Set([401]));
    expect((await tags(urls[1], rotated)).status).toBe(200);
  });
});
