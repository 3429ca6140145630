import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import { JOB_KINDS, JobKind } from '@gridllm/contracts';

import { EngineChunk, INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';

export type JobHandler = (
  request: Record<string, unknown>,
  signal: AbortSignal,
) => AsyncIterable<EngineChunk>;

/** One handler per JobKind; boot fails when a kind has none, so a new kind cannot be forgotten here. */
@Injectable()
export class JobHandlers implements OnModuleInit {
  private readonly handlers: Record<JobKind, JobHandler>;

  constructor(@Inject(INFERENCE_ENGINE) engine: InferenceEngine) {
    this.handlers = {
      [JobKind.Generate]: (request, signal) => engine.generate(request, signal),
      [JobKind.Chat]: (request, signal) => engine.chat(request, signal),
    };
  }

  onModuleInit(): void {
    const missing = JOB_KINDS.filter((kind) => typeof this.handlers[kind] !== 'function');
    if (missing.length > 0) throw new Error(`no job handler for: ${missing.join(', ')}`);
  }

  for(kind: JobKind): JobHandler {
    const handler = this.handlers[kind];
    if (!handler) throw new Error(`unknown job kind "${kind}"`);
    return handler;
  }
}
