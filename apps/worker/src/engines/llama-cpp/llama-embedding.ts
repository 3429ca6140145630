import { InvalidRequestError } from '@gridllm/contracts';

import { ModelLease, ModelPool } from './model-pool';

/** Vectors for each input, in input order, and the tokens they took. */
export interface EmbeddingResult {
  vectors: number[][];
  promptTokens: number;
}

/**
 * Embeds inputs with the model's embedding context. Inputs longer than the context are cut to fit
 * when `truncate` is on (Ollama's default) and rejected otherwise.
 */
export async function embedAll(
  pool: ModelPool,
  lease: ModelLease,
  inputs: string[],
  truncate: boolean,
): Promise<EmbeddingResult> {
  const context = await pool.embeddingContext(lease.loaded);
  const model = lease.loaded.model;
  const limit =
    context.model.trainContextSize > 0
      ? Math.min(lease.loaded.context.contextSize, context.model.trainContextSize)
      : lease.loaded.context.contextSize;
  const vectors: number[][] = [];
  let promptTokens = 0;
  for (const input of inputs) {
    let tokens = model.tokenize(input);
    if (tokens.length > limit) {
      if (!truncate) throw new InvalidRequestError('input length exceeds the context length');
      tokens = tokens.slice(0, limit);
    }
    promptTokens += tokens.length;
    vectors.push([...(await context.getEmbeddingFor(tokens)).vector]);
  }
  return { vectors, promptTokens };
}

/** Ollama's /api/embed returns unit-length vectors; `dimensions` keeps the first N, re-normalised. */
export function normalizeVector(vector: readonly number[], dimensions?: number): number[] {
  const kept = dimensions && dimensions > 0 ? vector.slice(0, dimensions) : [...vector];
  const norm = Math.sqrt(kept.reduce((sum, value) => sum + value * value, 0));
  return norm > 0 ? kept.map((value) => value / norm) : kept;
}
