import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseGridConfig } from '@gridllm/config';

import { GgufCatalog } from './gguf-catalog';
import { GgufMetadata, GgufMetadataReader } from './gguf-metadata.reader';

const metadata: GgufMetadata = {
  architecture: 'llama',
  parameterCount: 1000,
  parameterSize: '1.00K',
  quantizationLevel: 'F32',
  contextLength: 2048,
  embeddingLength: 64,
  chatTemplate: undefined,
  modelInfo: {},
};

describe(GgufCatalog.name, () => {
  let dir: string;
  let reader: { read: jest.Mock };
  let sut: GgufCatalog;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gguf-catalog-'));
    reader = { read: jest.fn().mockResolvedValue(metadata) };
    const settings = parseGridConfig({ MODELS_DIR: dir }).worker;
    sut = new GgufCatalog(reader as unknown as GgufMetadataReader, settings);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('scan', () => {
    it('names a model after its file, with the latest tag, and reports size and sha256 digest', async () => {
      writeFileSync(join(dir, 'qwen2.5-0.5b-instruct-q4_k_m.gguf'), 'weights');
      writeFileSync(join(dir, 'notes.txt'), 'not a model');
      const [entry, ...rest] = await sut.scan();
      expect(rest).toEqual([]);
      expect(entry).toMatchObject({
        name: 'qwen2.5-0.5b-instruct-q4_k_m:latest',
        size: 7,
        digest: createHash('sha256').update('weights').digest('hex'),
      });
    });

    it('takes the name from a sidecar manifest, and ignores a broken one', async () => {
      writeFileSync(join(dir, 'a.gguf'), 'a');
      writeFileSync(join(dir, 'a.json'), '{"name":"team/demo:tiny"}');
      writeFileSync(join(dir, 'b.gguf'), 'b');
      writeFileSync(join(dir, 'b.json'), 'not json');
      expect((await sut.scan()).map((entry) => entry.name)).toEqual(['team/demo:tiny', 'b:latest']);
    });

    it('notices added and removed files, and reads an unchanged file only once', async () => {
      writeFileSync(join(dir, 'one.gguf'), '1');
      await sut.scan();
      writeFileSync(join(dir, 'two.gguf'), '2');
      expect((await sut.scan()).map((entry) => entry.name)).toEqual(['one:latest', 'two:latest']);
      rmSync(join(dir, 'one.gguf'));
      expect((await sut.scan()).map((entry) => entry.name)).toEqual(['two:latest']);
      expect(reader.read).toHaveBeenCalledTimes(2);
    });

    it('finds a model by any spelling of its name', async () => {
      writeFileSync(join(dir, 'mistral.gguf'), 'm');
      await sut.scan();
      expect(sut.find('mistral')?.name).toBe('mistral:latest');
      expect(sut.find('mistral:latest')?.name).toBe('mistral:latest');
    });
  });

  describe('copy and delete', () => {
    it('gives the weights a second name, then deletes a model with its sidecar', async () => {
      writeFileSync(join(dir, 'base.gguf'), 'weights');
      await sut.scan();
      expect(await sut.copy('base', 'base-copy:v2')).toBe(true);
      expect(sut.find('base-copy:v2')?.digest).toBe(sut.find('base')?.digest);

      expect(await sut.delete('base-copy:v2')).toBe(true);
      expect(sut.find('base-copy:v2')).toBeUndefined();
      expect(existsSync(join(dir, 'base-copy-v2.json'))).toBe(false);
      expect(sut.find('base')).toBeDefined();
    });

    it('answers false for a model it does not have', async () => {
      await sut.scan();
      expect(await sut.delete('nope')).toBe(false);
      expect(await sut.copy('nope', 'other')).toBe(false);
    });
  });

  describe('install', () => {
    it('moves a downloaded GGUF in under the new name, with its settings in the sidecar, kept by a copy', async () => {
      const download = join(dir, 'download.partial');
      writeFileSync(download, 'weights');

      await sut.install('tuned:v1', download, { system: 'be brief', parameters: { num_predict: 5 } }, 'move');
      await sut.copy('tuned:v1', 'tuned:v2');

      expect(existsSync(download)).toBe(false);
      expect(sut.find('tuned:v1')?.settings).toEqual({ system: 'be brief', parameters: { num_predict: 5 } });
      expect(sut.find('tuned:v2')?.settings).toEqual({ system: 'be brief', parameters: { num_predict: 5 } });
    });

    it('rewrites only the settings when a model is created from itself', async () => {
      writeFileSync(join(dir, 'base.gguf'), 'weights');
      await sut.scan();
      const path = sut.find('base')?.path as string;

      await sut.install('base', path, { system: 'new' }, 'link');

      expect(sut.find('base')).toMatchObject({ path, settings: { system: 'new' } });
    });
  });
});
