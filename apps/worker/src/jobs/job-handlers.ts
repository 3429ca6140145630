import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import { JOB_KINDS, JobKind } from '@gridllm/contracts';

import { EngineAnswer, EngineChunk, INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';

/** A handler yields the chunks to relay; the last one carries `final: true`. */
export type JobHandler = (request: Record<string, unknown>, signal: AbortSignal) => AsyncIterable<RelayChunk>;

export interface RelayChunk extends EngineChunk {
  final: boolean;
}

/**
 * The engine's chunks, each final once `done`. A plain iterator over the engine's, not an async generator
 * of its own: that would cost a few more promises and microtasks per token (issue 15's relay row).
 * `return` reaches the engine's iterator, so a run that stops early still closes the engine's stream.
 */
function streamed(chunks: AsyncIterable<EngineChunk>): AsyncIterable<RelayChunk> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<RelayChunk> {
      const engine = chunks[Symbol.asyncIterator]();
      const done = (): IteratorResult<RelayChunk> => ({ done: true, value: undefined });
      return {
        next: () =>
          engine.next().then((result): IteratorResult<RelayChunk> => {
            if (result.done) return done();
            const { raw, chunk } = result.value;
            return { done: false, value: { raw, chunk, final: chunk.done === true } };
          }),
        return: async () => {
          await engine.return?.();
          return done();
        },
      };
    },
  };
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
