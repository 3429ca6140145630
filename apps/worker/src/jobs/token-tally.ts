import { TokenCounts } from '@gridllm/access';
import { OllamaChunk } from '@gridllm/contracts';

/**
 * The tokens a job used, as this worker saw them: the engine's own counts from its final chunk, or, when
 * the job ended before one (client abort, deadline, engine failure), the content chunks relayed so far.
 * Ollama and llama.cpp stream one token per chunk, so that count is what the client was billed for seeing.
 */
export class TokenTally {
  private contentChunks = 0;
  private reported: TokenCounts | null = null;

  add(chunk: OllamaChunk, final: boolean): void {
    if (final) {
      this.reported = reportedCounts(chunk);
      if (this.reported) return;
    }
    if (carriesContent(chunk)) this.contentChunks += 1;
  }

  counts(): TokenCounts {
    return this.reported ?? { promptTokens: 0, completionTokens: this.contentChunks };
  }
}

/** The engine's counts, when its final chunk has any (embed answers carry only prompt_eval_count). */
function reportedCounts(chunk: OllamaChunk): TokenCounts | null {
  const prompt = chunk.prompt_eval_count;
  const completion = chunk.eval_count;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return null;
  return {
    promptTokens: typeof prompt === 'number' ? prompt : 0,
    completionTokens: typeof completion === 'number' ? completion : 0,
  };
}

function carriesContent(chunk: OllamaChunk): boolean {
  return [chunk.response, chunk.thinking, chunk.message?.content, chunk.message?.thinking].some(
    (text) => typeof text === 'string' && text.length > 0,
  );
}
