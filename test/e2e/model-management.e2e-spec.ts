import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, jsonOf, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

describe('Model management across the fleet', () => {
  const grid = new TestGrid();
  let first: OllamaFixture;
  let second: OllamaFixture;

  beforeAll(async () => {
    await grid.start();
    await grid.startGateway();
    first = await grid.startFixture({ models: [{ name: 'shared:latest' }, { name: 'only-first:latest' }] });
    second = await grid.startFixture({ models: [{ name: 'shared:latest' }] });
    await grid.startWorker('first', first);
    await grid.startWorker('second', second);
  });

  afterAll(() => grid.stop());

  const names = async () => (await grid.client().list()).models.map((model) => model.name).sort();
  const fixtureNames = async (fixture: OllamaFixture) =>
    (
      (await (await fetch(`${fixture.url}/api/tags`)).json()) as { models: Array<{ name: string }> }
    ).models.map((m) => m.name);

  it('copies a model on every worker that has it, and lists the copy', async () => {
    await grid.client().copy({ source: 'shared', destination: 'shared-copy:v1' });
    expect(await fixtureNames(first)).toContain('shared-copy:v1');
    expect(await fixtureNames(second)).toContain('shared-copy:v1');
    await waitFor('copy listed', async () => (await names()).includes('shared-copy:v1'));
  });

  it('deletes a model on every worker that has it (legacy name field, as ollama-js sends)', async () => {
    await grid.client().delete({ model: 'shared-copy:v1' });
    const deletes = [first, second].map((fixture) =>
      fixture.requests.filter((r) => r.path === '/api/delete'),
    );
    expect(deletes.map((list) => list.length)).toEqual([1, 1]);
    expect(deletes[0][0].body).toEqual({ model: 'shared-copy:v1' });
    await waitFor('copy gone', async () => !(await names()).includes('shared-copy:v1'));
  });

  it('touches only the workers that have the model', async () => {
    await grid.client().delete({ model: 'only-first' });
    expect(second.requests.filter((r) => r.path === '/api/delete')).toHaveLength(1);
    expect(await fixtureNames(first)).not.toContain('only-first:latest');
  });

  it('answers 404 in Ollama’s words when no worker has the model', async () => {
    const response = await fetch(`${grid.gatewayUrl}/api/delete`, {
      method: 'DELETE',
      body: JSON.stringify({ name: 'ghost' }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "model 'ghost' not found" });
    const copy = await postJson(`${grid.gatewayUrl}/api/copy`, { source: 'ghost', destination: 'x' });
    expect(copy.status).toBe(404);
  });

  it('loads and unloads a model on every worker that holds it', async () => {
    const loads = () =>
      [first, second].map((f) => f.requests.filter((r) => r.path === '/api/generate').length);
    const before = loads();
    const loaded = await grid.client().generate({ model: 'shared', prompt: '' });
    expect(loaded).toMatchObject({ done: true, done_reason: 'load', response: '' });
    expect(loads()).toEqual(before.map((count) => count + 1));

    const unloaded = await postJson(`${grid.gatewayUrl}/api/chat`, {
      model: 'shared',
      messages: [],
      keep_alive: 0,
    });
    expect(await jsonOf(unloaded)).toMatchObject({
      done: true,
      done_reason: 'unload',
      message: { role: 'assistant', content: '' },
    });
    const chats = [first, second].map((f) => f.requests.filter((r) => r.path === '/api/chat').length);
    expect(chats).toEqual([1, 1]);
  });

  it('pulls a model on every worker with merged progress through the official client', async () => {
    const parts = [];
    for await (const part of await grid.client().pull({ model: 'fresh-model:7b', stream: true }))
      parts.push(part);
    expect(parts[parts.length - 1]).toEqual({ status: 'success' });
    expect(parts.filter((part) => part.status === 'success')).toHaveLength(1);
    const layer = parts.filter((part) => part.digest);
    expect(layer[layer.length - 1]).toMatchObject({ total: 8_000_000, completed: 8_000_000 });
    for (const fixture of [first, second])
      expect(fixture.requests.filter((r) => r.path === '/api/pull')).toHaveLength(1);
    await waitFor('pulled model listed', async () => (await names()).includes('fresh-model:7b'));
  });

  it('ends a pull with an error line naming the workers that failed', async () => {
    await expect(
      grid
        .client()
        .pull({ model: 'missing-model', stream: true })
        .then(async (stream) => {
          for await (const _part of stream) void _part;
        }),
    ).rejects.toThrow(/pull of missing-model failed on worker (first|second)/);
    const plain = await postJson(`${grid.gatewayUrl}/api/pull`, { name: 'missing-model', stream: false });
    expect(plain.status).toBe(502);
  });

  it('pulls on the workers an operator names', async () => {
    const response = await postJson(`${grid.gatewayUrl}/admin/models/pull`, {
      model: 'targeted',
      workers: ['second'],
      stream: false,
    });
    expect(await jsonOf(response)).toEqual({ status: 'success' });
    expect(
      first.requests.some((r) => r.path === '/api/pull' && JSON.stringify(r.body).includes('targeted')),
    ).toBe(false);
    expect(
      second.requests.some((r) => r.path === '/api/pull' && JSON.stringify(r.body).includes('targeted')),
    ).toBe(true);
  });
});
