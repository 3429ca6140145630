const DEFAULT_TAG = 'latest';
const DEFAULT_REGISTRY_PREFIXES = ['registry.ollama.ai/library/', 'registry.ollama.ai/', 'library/'];

/**
 * Canonical form of an Ollama model name, so `llama3.2`, `llama3.2:latest` and
 * `registry.ollama.ai/library/llama3.2` all match the same worker inventory entry.
 */
export function normalizeModelName(name: string): string {
  let canonical = name.trim();
  for (const prefix of DEFAULT_REGISTRY_PREFIXES) {
    if (canonical.toLowerCase().startsWith(prefix)) {
      canonical = canonical.slice(prefix.length);
      break;
    }
  }
  const lastSegment = canonical.slice(canonical.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? canonical : `${canonical}:${DEFAULT_TAG}`;
}

/** True when the two names denote the same model once normalised. */
export function sameModel(a: string, b: string): boolean {
  return normalizeModelName(a) === normalizeModelName(b);
}
