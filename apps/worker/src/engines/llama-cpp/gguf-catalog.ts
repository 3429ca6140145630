import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { workerConfig } from '@gridllm/config';
import { normalizeModelName } from '@gridllm/contracts';

import { GgufMetadata, GgufMetadataReader } from './gguf-metadata.reader';

/** What `/api/create` set for a model (kept in its sidecar) and the engine applies when serving it. */
export interface ModelSettings {
  system?: string;
  template?: string;
  license?: string | string[];
  /** Ollama's `parameters`: default `options` (temperature, stop, num_ctx …). */
  parameters?: Record<string, unknown>;
  /** Messages put before every chat's own. */
  messages?: Array<Record<string, unknown>>;
}

const SETTING_FIELDS = ['system', 'template', 'license', 'parameters', 'messages'] as const;

/** One GGUF file in MODELS_DIR and what Ollama's /api/tags and /api/show report about it. */
export interface CatalogEntry {
  name: string;
  settings: ModelSettings;
  path: string;
  size: number;
  digest: string;
  modifiedAt: Date;
  metadata: GgufMetadata;
}

interface Fingerprint {
  size: number;
  mtimeMs: number;
}

/**
 * The models this worker can serve: `*.gguf` files in MODELS_DIR. A file's model name is
 * `<file name>:latest`, or the `name` of a sidecar `<file>.json`. Digests (sha256 of the file) and
 * metadata are cached per file and recomputed only when its size or mtime changes.
 */
@Injectable()
export class GgufCatalog {
  private readonly logger = new Logger(GgufCatalog.name);
  private readonly cache = new Map<
    string,
    { fingerprint: Fingerprint; entry: Omit<CatalogEntry, 'name' | 'settings'> }
  >();
  private entries = new Map<string, CatalogEntry>();

  constructor(
    private readonly reader: GgufMetadataReader,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
  ) {}

  get dir(): string {
    return this.settings.llama.modelsDir;
  }

  /** Re-reads MODELS_DIR; notices added, changed and removed files. */
  async scan(): Promise<CatalogEntry[]> {
    await mkdir(this.dir, { recursive: true });
    const files = (await readdir(this.dir)).filter((file) => file.toLowerCase().endsWith('.gguf')).sort();
    const next = new Map<string, CatalogEntry>();
    for (const file of files) {
      const entry = await this.describe(join(this.dir, file)).catch((error: Error) => {
        this.logger.warn(`skipping ${file}: ${error.message}`);
        return null;
      });
      if (entry && !next.has(entry.name)) next.set(entry.name, entry);
    }
    this.entries = next;
    return [...next.values()];
  }

  /** The entry of a model name (normalised), from the last scan. */
  find(model: string): CatalogEntry | undefined {
    return this.entries.get(normalizeModelName(model));
  }

  /** Removes the model's file and sidecar. */
  async delete(model: string): Promise<boolean> {
    const entry = this.find(model);
    if (!entry) return false;
    await rm(entry.path, { force: true });
    await rm(sidecarPath(entry.path), { force: true });
    await this.scan();
    return true;
  }

  /** Makes `destination` another name for `source`'s weights and settings. */
  async copy(source: string, destination: string): Promise<boolean> {
    const entry = this.find(source);
    if (!entry) return false;
    await this.install(destination, entry.path, entry.settings, 'link');
    return true;
  }

  /**
   * Lists `model` with the GGUF at `source` (hard-linked where possible, else copied; or moved, for a
   * downloaded file) and `settings` in its sidecar. A model of that name is replaced.
   */
  async install(
    model: string,
    source: string,
    settings: ModelSettings,
    mode: 'link' | 'move',
  ): Promise<void> {
    const name = normalizeModelName(model);
    const target = this.find(name)?.path ?? join(this.dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.gguf`);
    if (target !== source) {
      await rm(target, { force: true });
      if (mode === 'move') await rename(source, target);
      else await link(source, target).catch(() => copyFile(source, target));
    }
    await writeFile(sidecarPath(target), `${JSON.stringify({ name, ...settings }, null, 2)}\n`);
    await this.scan();
  }

  private async describe(path: string): Promise<CatalogEntry> {
    const info = await stat(path);
    const fingerprint = { size: info.size, mtimeMs: info.mtimeMs };
    const cached = this.cache.get(path);
    const known =
      cached &&
      cached.fingerprint.size === fingerprint.size &&
      cached.fingerprint.mtimeMs === fingerprint.mtimeMs
        ? cached.entry
        : await this.inspect(path, fingerprint, info.mtime);
    this.cache.set(path, { fingerprint, entry: known });
    const sidecar = await readSidecar(path);
    return { name: sidecar.name, settings: sidecar.settings, ...known };
  }

  private async inspect(
    path: string,
    fingerprint: Fingerprint,
    modifiedAt: Date,
  ): Promise<Omit<CatalogEntry, 'name' | 'settings'>> {
    const [digest, metadata] = await Promise.all([sha256(path), this.reader.read(path)]);
    return { path, size: fingerprint.size, digest, modifiedAt, metadata };
  }
}

/** `<dir>/x.gguf` → `<dir>/x.json` */
export function sidecarPath(ggufPath: string): string {
  return ggufPath.replace(/\.gguf$/i, '.json');
}

/** The sidecar's `name`, else the file name with the `latest` tag. */
export async function modelNameFor(ggufPath: string): Promise<string> {
  return (await readSidecar(ggufPath)).name;
}

/** The model's name (the sidecar's, else the file name's) and the settings its sidecar keeps. */
async function readSidecar(ggufPath: string): Promise<{ name: string; settings: ModelSettings }> {
  let manifest: Record<string, unknown> = {};
  try {
    manifest = JSON.parse(await readFile(sidecarPath(ggufPath), 'utf8')) as Record<string, unknown>;
  } catch {
    // no sidecar, or not JSON: the file name decides, and there are no settings
  }
  const named = typeof manifest.name === 'string' && manifest.name.trim() ? manifest.name : undefined;
  const settings = Object.fromEntries(
    SETTING_FIELDS.filter((field) => manifest[field] !== undefined).map((field) => [field, manifest[field]]),
  ) as ModelSettings;
  return { name: normalizeModelName(named ?? basename(ggufPath).replace(/\.gguf$/i, '')), settings };
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
