import { JobKind, OllamaChunk } from '@gridllm/contracts';

import { EngineChunk, InferenceEngine } from '../engines/inference-engine';
import { JobHandlers } from './job-handlers';

/** An engine whose generate streams `lines`, and which records whether its stream was closed. */
function engineStreaming(lines: OllamaChunk[]) {
  const state = { closed: false };
  async function* generate(): AsyncGenerator<EngineChunk> {
    try {
      for (const chunk of lines) yield { raw: JSON.stringify(chunk), chunk };
    } finally {
      state.closed = true;
    }
  }
  const engine = {
    generate,
    embed: async () => ({ raw: '{"embeddings":[[1]]}', body: { embeddings: [[1]] } }),
  } as unknown as InferenceEngine;
  return { handlers: new JobHandlers(engine), state };
}

const signal = new AbortController().signal;

describe(JobHandlers.name, () => {
  it("relays a stream's chunks as sent, final once done", async () => {
    const { handlers } = engineStreaming([
      { response: 'a' },
      { response: 'b' },
      { response: '', done: true },
    ]);
    const seen: Array<[string, boolean]> = [];
    for await (const item of handlers.for(JobKind.Generate)({}, signal)) seen.push([item.raw, item.final]);

    expect(seen).toEqual([
      ['{"response":"a"}', false],
      ['{"response":"b"}', false],
      ['{"response":"","done":true}', true],
    ]);
  });

  it("closes the engine's stream when the run stops reading early", async () => {
    const { handlers, state } = engineStreaming([{ response: 'a' }, { response: 'b' }]);
    for await (const item of handlers.for(JobKind.Generate)({}, signal)) if (item.raw) break;

    expect(state.closed).toBe(true);
  });

  it('answers a single-object kind with one final chunk', async () => {
    const { handlers } = engineStreaming([]);
    const seen = [];
    for await (const item of handlers.for(JobKind.Embed)({}, signal)) seen.push(item);

    expect(seen).toEqual([{ raw: '{"embeddings":[[1]]}', chunk: { embeddings: [[1]] }, final: true }]);
  });
});
