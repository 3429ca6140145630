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

import { answerFleetOperation } from './fleet-progress';
import { FleetTargets, chooseTargets } from './fleet-targets';

/** Which workers an operator's pull goes to (`POST /admin/models/pull`); default: every worker that can pull. */
export type PullTargets = FleetTargets;

/** No live worker can pull (only embedded llama.cpp workers): 501 with what to do instead. */
export class PullUnavailableError extends GridError {
  readonly status = 501;
}

/** What the grid cannot do, in words that tell the user what to do instead. */
export const NOT_YET_SUPPORTED: Record<string, string> = {
  pull:
    'no live worker can pull: embedded (llama.cpp) workers serve the GGUF files in their MODELS_DIR — copy the ' +
    '.gguf file there and the worker picks it up within MODEL_REFRESH_INTERVAL; or run a worker in front of Ollama',
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
    const operation: ControlOperation = { op: 'pull', request: { ...body, model } };
    await answerFleetOperation(
      this.control,
      workers,
      operation,
      `pull of ${model}`,
      body.stream !== false,
      res,
    );
  }

  /**
   * `/api/push` on one worker that holds the model (preferably one in front of an Ollama, which pushes
   * with its own registry credentials), with its progress stream.
   */
  async push(body: Record<string, unknown>, res: Response): Promise<void> {
    const model = modelField(body, 'model', 'name');
    const name = normalizeModelName(model);
    const holders = (await this.registry.liveWorkers()).filter(
      (worker) => worker.status === 'ready' && worker.models.some((entry) => entry.name === name),
    );
    if (holders.length === 0) throw new NotFoundError(`model '${quote(model)}' not found`);
    const pusher = holders.find((worker) => worker.engine === 'ollama') ?? holders[0];
    const operation: ControlOperation = { op: 'push', request: { ...body, model } };
    await answerFleetOperation(
      this.control,
      [pusher.id],
      operation,
      `push of ${model}`,
      body.stream !== false,
      res,
    );
  }

  private async pullTargets(targets?: PullTargets): Promise<string[]> {
    return chooseTargets(
      await this.registry.liveWorkers(),
      (worker) => worker.engine === 'ollama',
      () => new PullUnavailableError(NOT_YET_SUPPORTED.pull),
      targets,
    );
  }

  private async holders(model: string): Promise<string[]> {
    const name = normalizeModelName(model);
    const workers = await this.registry.liveWorkers();
    return workers
      .filter((worker) => worker.models.some((entry) => entry.name === name))
      .map((worker) => worker.id);
  }
}

/** The first of `fields` that holds a model name (checked: 400 for an invalid one); 400 when none does. */
export function modelField(body: Record<string, unknown>, ...fields: string[]): string {
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
