import type { AbortSource } from '@gridllm/streaming';

/**
 * Aborts `target` as soon as one of `sources` aborts (at once if one already has); the returned function
 * unhooks it. Used instead of `AbortSignal.any`, which on Node 20 keeps a WeakRef per call in every
 * source (the gateway's drain deadline lives as long as the process) and registers each composite signal
 * with a FinalizationRegistry: garbage and GC work per relayed request.
 */
export function abortWhenAny(target: { abort(): void }, sources: readonly AbortSource[]): () => void {
  const abort = (): void => target.abort();
  for (const source of sources) {
    if (source.aborted) abort();
    else source.addEventListener('abort', abort, { once: true });
  }
  return () => {
    for (const source of sources) source.removeEventListener('abort', abort);
  };
}
