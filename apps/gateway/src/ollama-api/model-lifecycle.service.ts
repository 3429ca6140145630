import { Injectable } from '@nestjs/common';

import {
  FleetOperationError,
  JobKind,
  ModelNotFoundError,
  ModelUnavailableError,
  checkModelName,
  normalizeModelName,
} from '@gridllm/contracts';
import { WorkerRegistry } from '@gridllm/registry';
import { FleetControl } from '@gridllm/scheduler';

/** Ollama's load request: generate without a prompt, or chat without messages (keep_alive 0 makes it an unload). */
export function isLifecycleRequest(kind: JobKind, body: Record<string, unknown>): boolean {
  if (kind === JobKind.Generate)
    return (typeof body.prompt !== 'string' || body.prompt === '') && !hasItems(body.images);
  if (kind === JobKind.Chat) return !hasItems(body.messages);
  return false;
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/**
 * Load and unload reach every live worker that holds the model, not just one: "preload" and "unload"
 * must hold for the whole fleet. Answers with one worker's `done:true` object, as Ollama would.
 */
@Injectable()
export class ModelLifecycleService {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly control: FleetControl,
  ) {}

  async run(kind: JobKind, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const model = checkModelName(String(body.model));
    const name = normalizeModelName(model);
    // Ready workers claiming the model: the registry's per-model index, not a scan of every worker.
    const holders = await this.registry.workerIdsFor(name);
    if (holders.length === 0) {
      const availability = await this.registry.availability(name);
      throw availability === 'recently-served'
        ? new ModelUnavailableError(model)
        : new ModelNotFoundError(model);
    }
    const replies = await this.control.send(holders, {
      op: 'lifecycle',
      kind: kind === JobKind.Chat ? 'chat' : 'generate',
      request: body,
    });
    const failed = replies.filter((reply) => !reply.ok);
    if (failed.length > 0) {
      const detail = failed.map((reply) => `worker ${reply.workerId}: ${reply.error ?? 'failed'}`).join('; ');
      throw new FleetOperationError(
        `loading ${model} failed on ${failed.length} of ${replies.length} workers (${detail})`,
      );
    }
    return replies[0].body ?? {};
  }
}
