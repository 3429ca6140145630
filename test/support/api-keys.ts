import { TestGrid, postJson } from './test-grid';

/** A key as POST /admin/keys issues it. */
export interface IssuedKey {
  key: string;
  id: string;
}

/** Issues an API key on a grid started with ADMIN_API_KEY (`spec`: name, scopes, models, rateLimit…). */
export async function issueKey(grid: TestGrid, spec: Record<string, unknown>): Promise<IssuedKey> {
  const response = await postJson(`${grid.gatewayUrl}/admin/keys`, spec, {
    headers: { ...grid.adminHeaders(), 'Content-Type': 'application/json' },
  });
  if (response.status !== 201) throw new Error(`issuing a key: ${response.status} ${await response.text()}`);
  return (await response.json()) as IssuedKey;
}
