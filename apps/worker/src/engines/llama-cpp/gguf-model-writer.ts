import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { workerConfig } from '@gridllm/config';
import { normalizeModelName } from '@gridllm/contracts';

import type { BlobSource } from '../../blobs/blob-source';
import { EngineError } from '../inference-engine';
import { GgufCatalog } from './gguf-catalog';
import { mergeSettings, settingsFrom } from './model-settings';

/**
 * `/api/create` for the embedded engine: a model is a GGUF file in MODELS_DIR plus a sidecar with its
 * settings. `from` gives the same weights a new name and settings; `files` brings one GGUF blob from
 * the gateway. Quantizing and adapters need Ollama's tooling: refused, saying why.
 */
@Injectable()
export class GgufModelWriter {
  constructor(
    private readonly catalog: GgufCatalog,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
  ) {}

  async create(
    request: Record<string, unknown>,
    blobs: BlobSource,
    onProgress: (line: string) => void,
  ): Promise<void> {
    const named = [request.model, request.name].find((value) => typeof value === 'string' && value);
    const model = normalizeModelName(typeof named === 'string' ? named : '');
    refuseUnsupported(request);
    const settings = settingsFrom(request);
    const from = typeof request.from === 'string' ? request.from : '';
    if (from) {
      const base = this.catalog.find(from);
      if (!base) throw new EngineError(`model '${from}' not found`, 404);
      onProgress(JSON.stringify({ status: `using existing layer sha256:${base.digest}` }));
      onProgress(JSON.stringify({ status: 'writing manifest' }));
      return this.catalog.install(model, base.path, mergeSettings(base.settings, settings), 'link');
    }
    const digest = singleGguf(request.files);
    onProgress(JSON.stringify({ status: 'parsing GGUF' }));
    const path = await blobs(digest, join(this.settings.llama.modelsDir, '.partial'));
    if (!(await isGguf(path))) {
      await rm(path, { force: true });
      throw new EngineError('supplied file was not in GGUF format', 400);
    }
    onProgress(JSON.stringify({ status: 'writing manifest' }));
    await this.catalog.install(model, path, settings, 'move');
  }
}

function refuseUnsupported(request: Record<string, unknown>): void {
  const quantize = request.quantize ?? request.quantization;
  if (typeof quantize === 'string' && quantize)
    throw new EngineError(
      'the embedded llama.cpp engine cannot quantize: create the model on a worker in front of Ollama, or put an already quantized GGUF in MODELS_DIR',
      400,
    );
  if (request.adapters && typeof request.adapters === 'object' && Object.keys(request.adapters).length > 0)
    throw new EngineError(
      'the embedded llama.cpp engine cannot apply adapters (LoRA): merge them into the GGUF first',
      400,
    );
}

/** The digest of the one GGUF file a create from files names on this engine. */
function singleGguf(files: unknown): string {
  const digests = files && typeof files === 'object' ? Object.values(files as Record<string, unknown>) : [];
  if (digests.length !== 1 || typeof digests[0] !== 'string')
    throw new EngineError(
      `the embedded llama.cpp engine creates a model from exactly one GGUF file (got ${digests.length})`,
      400,
    );
  return digests[0];
}

async function isGguf(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === 'GGUF';
  } finally {
    await file.close();
  }
}
