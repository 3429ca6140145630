import { Injectable } from '@nestjs/common';

import {
  ControlOperation,
  ControlReply,
  FleetOperationError,
  InvalidRequestError,
  NotFoundError,
  normalizeModelName,
} from '@gridllm/contracts';
import { WorkerRegistry } from '@gridllm/registry';
import { FleetControl } from '@gridllm/scheduler';

/** What the grid cannot do yet, in words that tell the user what to do instead. */
export const NOT_YET_SUPPORTED: Record<string, string> = {
  pull:
    'pulling models through the grid is not available yet: with Ollama workers run `ollama pull <model>` on each ' +
    'worker machine; embedded (llama.cpp) workers serve the GGUF files in their MODELS_DIR — copy the .gguf file there ' +
    'and the worker picks it up within MODEL_REFRESH_INTERVAL',
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
    if (holders.length === 0) throw new NotFoundError(`model '${model}' not found`);
    ensureAllSucceeded(await this.control.send(holders, { op: 'delete', model }), { op: 'delete', model });
  }

  /** `POST /api/copy` on every worker that has the source. */
  async copy(body: Record<string, unknown>): Promise<void> {
    const source = modelField(body, 'source');
    const destination = modelField(body, 'destination');
    const holders = await this.holders(source);
    if (holders.length === 0) throw new NotFoundError(`model '${source}' not found`);
    const operation: ControlOperation = { op: 'copy', source, destination };
    ensureAllSucceeded(await this.control.send(holders, operation), operation);
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
    if (typeof value === 'string' && value.trim()) return value.trim();
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
