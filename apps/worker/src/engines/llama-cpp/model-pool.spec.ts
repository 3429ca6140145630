import { parseGridConfig } from '@gridllm/config';

import { CatalogEntry, GgufCatalog } from './gguf-catalog';
import { LlamaRuntime } from './llama-runtime';
import { ModelPool } from './model-pool';

function entry(name: string, size: number): CatalogEntry {
  return {
    name,
    path: `/models/${name}.gguf`,
    size,
    digest: 'd',
    modifiedAt: new Date(0),
    settings: {},
    metadata: {
      architecture: 'llama',
      parameterCount: 1,
      parameterSize: '1',
      quantizationLevel: 'F32',
      contextLength: 4096,
      embeddingLength: 8,
      chatTemplate: undefined,
      modelInfo: {},
    },
  };
}

/** Fakes of node-llama-cpp's model and context that record what was loaded and disposed. */
function fakeRuntime(disposed: string[]) {
  const createContext = jest.fn(async ({ contextSize }: { contextSize: number; sequences: number }) => ({
    contextSize,
    getSequence: () => ({ dispose: jest.fn() }),
    dispose: jest.fn(async () => undefined),
  }));
  const loadModel = jest.fn(async ({ modelPath }: { modelPath: string }) => ({
    createContext,
    dispose: jest.fn(async () => void disposed.push(modelPath)),
  }));
  return { instance: async () => ({ loadModel }), loadModel, createContext };
}

describe(ModelPool.name, () => {
  const models = new Map([
    ['a:latest', entry('a:latest', 600)],
    ['b:latest', entry('b:latest', 600)],
  ]);
  let disposed: string[];
  let runtime: ReturnType<typeof fakeRuntime>;
  let sut: ModelPool;

  beforeEach(() => {
    disposed = [];
    runtime = fakeRuntime(disposed);
    const catalog = { find: (name: string) => models.get(name), scan: async () => [...models.values()] };
    const settings = parseGridConfig({ LLAMA_MEMORY_BUDGET: '1000', MAX_CONCURRENT_TASKS: '2' }).worker;
    sut = new ModelPool(runtime as unknown as LlamaRuntime, catalog as unknown as GgufCatalog, settings);
  });

  afterEach(() => jest.useRealTimers());

  describe('acquire', () => {
    it('loads a model on first use only, with one sequence per worker slot', async () => {
      const first = await sut.acquire('a:latest');
      await sut.release(first, 60_000);
      const second = await sut.acquire('a:latest');
      expect(runtime.loadModel).toHaveBeenCalledTimes(1);
      expect(runtime.createContext).toHaveBeenCalledWith(
        expect.objectContaining({ sequences: 2, contextSize: 2048 }),
      );
      expect(second.loadMs).toBe(0);
      await sut.release(second, 60_000);
      expect(sut.list().map((m) => m.name)).toEqual(['a:latest']);
    });

    it('reloads an idle model when a request asks for another num_ctx, and keeps a busy one as it is', async () => {
      await sut.release(await sut.acquire('a:latest', true, 1024), 60_000);
      expect(sut.list()[0].context.contextSize).toBe(1024);
      const busy = await sut.acquire('a:latest', true, 4096);
      expect(busy.loaded.context.contextSize).toBe(4096);
      const shared = await sut.acquire('a:latest', true, 512);
      expect(shared.loaded.context.contextSize).toBe(4096);
      expect(runtime.loadModel).toHaveBeenCalledTimes(2);
      await sut.release(busy, 60_000);
      await sut.release(shared, 60_000);
    });

    it('evicts the least recently used idle model when the memory budget would be exceeded', async () => {
      await sut.release(await sut.acquire('a:latest'), 60_000);
      await sut.release(await sut.acquire('b:latest'), 60_000);
      expect(sut.list().map((m) => m.name)).toEqual(['b:latest']);
      expect(disposed).toEqual(['/models/a:latest.gguf']);
    });

    it('never evicts a model that is in use', async () => {
      const busy = await sut.acquire('a:latest');
      await sut.release(await sut.acquire('b:latest'), 60_000);
      expect(
        sut
          .list()
          .map((m) => m.name)
          .sort(),
      ).toEqual(['a:latest', 'b:latest']);
      await sut.release(busy, 60_000);
    });
  });

  describe('release', () => {
    it('unloads at once with keep_alive 0', async () => {
      await sut.release(await sut.acquire('a:latest'), 0);
      expect(sut.list()).toEqual([]);
    });

    it('unloads after keep_alive has passed idle, and not while busy', async () => {
      jest.useFakeTimers();
      await sut.release(await sut.acquire('a:latest'), 5_000);
      expect(sut.list()[0].expiresAt).toBeGreaterThan(Date.now());
      await jest.advanceTimersByTimeAsync(4_999);
      expect(sut.list()).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(2);
      expect(sut.list()).toEqual([]);
    });

    it('keeps a model forever with a negative keep_alive', async () => {
      jest.useFakeTimers();
      await sut.release(await sut.acquire('a:latest'), Infinity);
      await jest.advanceTimersByTimeAsync(10 * 60_000);
      expect(sut.list()).toHaveLength(1);
    });
  });
});
