import type { LlamaContextSequence } from 'node-llama-cpp';

/** An idle slot sequence and what its KV cache holds, as a prompt key (see `promptKey`). */
export interface ShelvedSequence {
  sequence: LlamaContextSequence;
  key: string;
}

/**
 * The idle sequences of one loaded model. A sequence keeps its tokens (its KV cache) between requests, so
 * the next request on it evaluates only what differs; `take` hands out the one whose cached prompt shares
 * the longest prefix with the new one, as Ollama picks a slot.
 */
export class SequenceShelf {
  private readonly idle: ShelvedSequence[] = [];

  get size(): number {
    return this.idle.length;
  }

  put(sequence: LlamaContextSequence, key: string): void {
    if (!sequence.disposed) this.idle.push({ sequence, key });
  }

  /** The idle sequence with the longest common prefix with `key` (null when none is idle or none shares any and `fresh` is possible). */
  take(key: string, freshAvailable: boolean): LlamaContextSequence | null {
    let best = -1;
    let bestLength = 0;
    this.idle.forEach((shelved, index) => {
      const length = commonPrefixLength(shelved.key, key);
      if (best === -1 || length > bestLength) [best, bestLength] = [index, length];
    });
    // A fresh sequence is as good as a stale one and leaves the stale cache for a later match.
    if (best === -1 || (bestLength === 0 && freshAvailable)) return null;
    return this.idle.splice(best, 1)[0].sequence;
  }

  clear(): void {
    this.idle.length = 0;
  }
}

/** Length of the common prefix of two strings. */
export function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** One chat turn or raw prompt as it appears in a prompt key. */
export interface KeyPart {
  role: string;
  text: string;
}

/** A cheap stand-in for a prompt's tokens: equal keys mean equal prompts, a longer common prefix a longer token prefix. */
export function promptKey(parts: readonly KeyPart[]): string {
  return parts.map((part) => `${part.role}\u0002${part.text}\u0001`).join('');
}
