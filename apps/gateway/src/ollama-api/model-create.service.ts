import { Injectable } from '@nestjs/common';
import type { Response } from 'express';

import {
  ControlOperation,
  GridError,
  InvalidRequestError,
  ModelNotFoundError,
  WorkerInfo,
  checkModelName,
  normalizeModelName,
  quote,
} from '@gridllm/contracts';
import { WorkerRegistry } from '@gridllm/registry';
import { FleetControl } from '@gridllm/scheduler';

import { canonicalDigest } from '../blobs/blob-digest';
import { BlobService } from '../blobs/blob.service';
import { answerFleetOperation } from './fleet-progress';
import { FleetTargets, chooseTargets } from './fleet-targets';
import { modelField } from './model-management.service';

/** A create needs what no live worker can do (quantize or adapters with only embedded workers). */
export class CreateUnavailableError extends GridError {
  readonly status = 501;
}

/** A blob the request names is not in the gateways' blob store. */
export class BlobMissingError extends InvalidRequestError {
  constructor(digest: string) {
    super(`blob "${quote(digest)}" not found: upload it first with POST /api/blobs/${quote(digest)}`);
  }
}

/**
 * `/api/create` across the fleet, like pull: each target builds the model on its own engine, fetching
 * the blobs the request names from the gateway through signed, expiring links.
 */
@Injectable()
export class ModelCreateService {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly control: FleetControl,
    private readonly blobs: BlobService,
  ) {}

  /** `origin`: where this request came in, the base of the download links without GATEWAY_PUBLIC_URL. */
  async create(
    body: Record<string, unknown>,
    res: Response,
    origin: string,
    targets?: FleetTargets,
  ): Promise<void> {
    const model = modelField(body, 'model', 'name');
    const from =
      typeof body.from === 'string' && body.from.trim() ? checkModelName(body.from.trim(), 'from') : '';
    const files = blobMap(body.files, 'files');
    const adapters = blobMap(body.adapters, 'adapters');
    if (!from && !files) throw new InvalidRequestError("neither 'from' or 'files' was specified");
    const digests = [...new Set([...Object.values(files ?? {}), ...Object.values(adapters ?? {})])];
    const missing = await this.blobs.missing(digests);
    if (missing.length > 0) throw new BlobMissingError(missing[0]);
    const workers = await this.targets(body, from, targets);
    const links = Object.fromEntries(
      await Promise.all(
        digests.map(async (digest) => [digest, await this.blobs.link(digest, origin)] as const),
      ),
    );
    const request = {
      ...body,
      model,
      ...(from ? { from } : {}),
      ...(files ? { files } : {}),
      ...(adapters ? { adapters } : {}),
    };
    const operation: ControlOperation = { op: 'create', request, blobs: links };
    await answerFleetOperation(
      this.control,
      workers,
      operation,
      `create of ${model}`,
      body.stream !== false,
      res,
    );
  }

  /**
   * Holders of `from`, or every worker for files; only Ollama workers when the request quantizes or adds
   * adapters. Workers in front of an OpenAI-compatible server are skipped: their server owns its model files.
   */
  private async targets(
    body: Record<string, unknown>,
    from: string,
    targets?: FleetTargets,
  ): Promise<string[]> {
    const needsOllama = Boolean(body.quantize || body.quantization || body.adapters);
    const name = from ? normalizeModelName(from) : '';
    const capable = (worker: WorkerInfo) =>
      worker.engine !== 'openai' &&
      (!needsOllama || worker.engine === 'ollama') &&
      (!name || worker.models.some((entry) => entry.name === name));
    const unavailable = () =>
      from && !needsOllama
        ? new ModelNotFoundError(from)
        : new CreateUnavailableError(
            from
              ? `no live worker in front of Ollama holds "${quote(from)}": quantize and adapters need Ollama (embedded llama.cpp workers cannot)`
              : 'no live worker can create this model: quantize and adapters need a worker in front of Ollama',
          );
    return chooseTargets(await this.registry.liveWorkers(), capable, unavailable, targets);
  }
}

/** `files` / `adapters`: relative file names to digests, each canonicalised (`sha256:<hex>`); undefined when absent. */
function blobMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new InvalidRequestError(`${field} must be an object`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([path, digest]) => {
      if (path.startsWith('/') || path.split(/[\\/]/).includes('..') || !path)
        throw new InvalidRequestError('file path must be relative');
      if (typeof digest !== 'string') throw new InvalidRequestError('invalid digest format');
      return [path, canonicalDigest(digest)];
    }),
  );
}
