import type { LlamaContextSequence } from 'node-llama-cpp';

/** Prompt characters (tens of tokens) within which two cached prefixes count as equally long. */
export const NEAR_CHARS = 256;

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

  /**
   * The idle sequence to run `key` on, as Ollama picks a slot: one whose whole cached prompt `key`
   * continues (the longest such); else, among those whose shared prefix is within NEAR_CHARS of the
   * longest, the least recently used, as Ollama reuses its oldest slot. So the worker can tell which
   * conversation's cache a new one evicts (see ResidentPrefixes), and a warm-up's sequence, used before
   * any chat, goes first. Null when none is idle, or when one shares nothing and a fresh one is available.
   */
  take(key: string, freshAvailable: boolean): LlamaContextSequence | null {
    const shared = this.idle.map((shelved) => commonPrefixLength(shelved.key, key));
    const longest = Math.max(-1, ...shared);
    // A fresh sequence is as good as one that shares nothing, and leaves that cache for a later match.
    if (longest < 0 || (freshAvailable && longest === 0)) return null;
    let chosen = -1;
    shared.forEach((length, index) => {
      const continued = length === this.idle[index].key.length;
      if (continued && (chosen < 0 || length > shared[chosen])) chosen = index;
    });
    // Shelved in the order they went idle: the first near-longest one is the least recently used.
    if (chosen < 0) chosen = shared.findIndex((length) => length >= longest - NEAR_CHARS);
    return this.idle.splice(chosen, 1)[0].sequence;
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
