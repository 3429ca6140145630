import { Injectable } from '@nestjs/common';

import type { Response } from 'express';

import {
  ControlOperation,
  GridError,
  ControlReply,
  FleetOperationError,
  InvalidRequestError,
  NotFoundError,
  checkModelName,
  normalizeModelName,
  quote,
} from '@gridllm/contracts';
import { WorkerRegistry } from '@gridllm/registry';
import { FleetControl } from '@gridllm/scheduler';
import { NdjsonWriter } from '@gridllm/streaming';

import { PullProgressMerger } from './pull-progress';

/** Which workers an operator's pull goes to (`POST /admin/models/pull`); default: every worker that can pull. */
export interface PullTargets {
  workers?: string[];
  count?: number;
}

/** No live worker can pull (only embedded llama.cpp workers): 501 with what to do instead. */
export class PullUnavailableError extends GridError {
  readonly status = 501;
}

const PULL_TIMEOUT_MS = 6 * 60 * 60_000;

/** What the grid cannot do, in words that tell the user what to do instead. */
export const NOT_YET_SUPPORTED: Record<string, string> = {
  pull:
    'no live worker can pull: embedded (llama.cpp) workers serve the GGUF files in their MODELS_DIR — copy the ' +
    '.gguf file there and the worker picks it up within MODEL_REFRESH_INTERVAL; or run a worker in front of Ollama',
  push: 'pushing models is not supported by the grid yet: push from a worker machine with `ollama push`',
  create:
    'creating models through the grid is not supported yet: create it on each worker with `ollama create`',
  blobs: 'uploading blobs through the grid is not supported yet (it belongs with /api/create)',
};

/** Model management over the fleet: each worker that holds the model runs the operation on its own engine. */
@Injectable()
export class ModelManagementService {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly control: FleetControl,
  ) {}

  /** `DELETE /api/delete` on every worker that has the model; 404 in Ollama's words when none has it. */
  async delete(body: Record<string, unknown>): Promise<void> {
    const model = modelField(body, 'model', 'name');
    const holders = await this.holders(model);
    if (holders.length === 0) throw new NotFoundError(`model '${quote(model)}' not found`);
    ensureAllSucceeded(await this.control.send(holders, { op: 'delete', model }), { op: 'delete', model });
  }

  /** `POST /api/copy` on every worker that has the source. */
  async copy(body: Record<string, unknown>): Promise<void> {
    const source = modelField(body, 'source');
    const destination = modelField(body, 'destination');
    const holders = await this.holders(source);
    if (holders.length === 0) throw new NotFoundError(`model '${quote(source)}' not found`);
    const operation: ControlOperation = { op: 'copy', source, destination };
    ensureAllSucceeded(await this.control.send(holders, operation), operation);
  }

  /**
   * `/api/pull` on the workers that can pull (those in front of an Ollama; embedded workers take GGUF
   * files instead), or on the workers an operator names. Progress is merged into one NDJSON stream that
   * ends in `{"status":"success"}` only when every worker succeeded, else in an error line naming them.
   */
  async pull(body: Record<string, unknown>, res: Response, targets?: PullTargets): Promise<void> {
    const model = modelField(body, 'model', 'name');
    const workers = await this.pullTargets(targets);
    const request = { ...body, model };
    const stream = body.stream !== false;
    const writer = new NdjsonWriter(res);
    const merger = new PullProgressMerger();
    const onProgress = (workerId: string, line: string) => {
      const merged = stream ? merger.merge(workerId, line) : null;
      if (merged) writer.line(merged);
    };
    const replies = await this.control.send(workers, { op: 'pull', request }, PULL_TIMEOUT_MS, onProgress);
    const failed = replies.filter((reply) => !reply.ok);
    const error = failed.map((reply) => `worker ${reply.workerId}: ${reply.error ?? 'failed'}`).join('; ');
    if (!stream || !writer.started) {
      if (failed.length > 0) throw new FleetOperationError(`pull of ${model} failed on ${error}`);
      res
        .status(200)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ status: 'success' }));
      return;
    }
    if (failed.length > 0) writer.error(`pull of ${model} failed on ${error}`);
    else {
      writer.line({ status: 'success' });
      writer.end();
    }
  }

  /** A 400 for any of `fields` that holds a string that is not a valid model name. */
  checkNames(body: unknown, ...fields: string[]): void {
    if (typeof body !== 'object' || body === null) return;
    for (const field of fields) {
      const value = (body as Record<string, unknown>)[field];
      if (typeof value === 'string') checkModelName(value, field);
    }
  }

  private async pullTargets(targets?: PullTargets): Promise<string[]> {
    const live = (await this.registry.liveWorkers()).filter((worker) => worker.status === 'ready');
    if (targets?.workers?.length) {
      const missing = targets.workers.filter((id) => !live.some((worker) => worker.id === id));
      if (missing.length > 0)
        throw new NotFoundError(`worker ${quote(missing.join(', '))} not found or not ready`);
      return targets.workers;
    }
    const capable = live.filter((worker) => worker.engine === 'ollama').map((worker) => worker.id);
    if (capable.length === 0) throw new PullUnavailableError(NOT_YET_SUPPORTED.pull);
    return targets?.count ? capable.slice(0, targets.count) : capable;
  }

  private async holders(model: string): Promise<string[]> {
    const name = normalizeModelName(model);
    const workers = await this.registry.liveWorkers();
    return workers
      .filter((worker) => worker.models.some((entry) => entry.name === name))
      .map((worker) => worker.id);
  }
}

function modelField(body: Record<string, unknown>, ...fields: string[]): string {
  for (const field of fields) {
    const value = body[field];
    if (typeof value === 'string' && value.trim()) return checkModelName(value.trim(), field);
  }
  throw new InvalidRequestError(`${fields[0]} is required`);
}

function ensureAllSucceeded(replies: ControlReply[], operation: ControlOperation): void {
  const failed = replies.filter((reply) => !reply.ok && reply.found);
  if (failed.length === 0) return;
  const detail = failed.map((reply) => `worker ${reply.workerId}: ${reply.error ?? 'failed'}`).join('; ');
  throw new FleetOperationError(
    `${operation.op} failed on ${failed.length} of ${replies.length} workers (${detail})`,
  );
}
