import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import { JOB_KINDS, JobKind } from '@gridllm/contracts';

import { EngineAnswer, EngineChunk, INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';

/** A handler yields the chunks to relay; the last one carries `final: true`. */
export type JobHandler = (request: Record<string, unknown>, signal: AbortSignal) => AsyncIterable<RelayChunk>;

export interface RelayChunk extends EngineChunk {
  final: boolean;
}

async function* streamed(chunks: AsyncIterable<EngineChunk>): AsyncGenerator<RelayChunk> {
  for await (const chunk of chunks) yield { ...chunk, final: chunk.chunk.done === true };
}

async function* single(answer: Promise<EngineAnswer>): AsyncGenerator<RelayChunk> {
  const { raw, body } = await answer;
  yield { raw, chunk: body, final: true };
}

/** One handler per JobKind; boot fails when a kind has none, so a new kind cannot be forgotten here. */
@Injectable()
export class JobHandlers implements OnModuleInit {
  private readonly handlers: Record<JobKind, JobHandler>;

  constructor(@Inject(INFERENCE_ENGINE) engine: InferenceEngine) {
    this.handlers = {
      [JobKind.Generate]: (request, signal) => streamed(engine.generate(request, signal)),
      [JobKind.Chat]: (request, signal) => streamed(engine.chat(request, signal)),
      [JobKind.Embed]: (request, signal) => single(engine.embed(request, signal)),
      [JobKind.Embeddings]: (request, signal) => single(engine.embeddings(request, signal)),
      [JobKind.Show]: (request, signal) => single(engine.show(request, signal)),
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
