import { InvalidRequestError } from './errors';
import { quote } from './quote';

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

/** Ollama's limits per part of a name (`types/model/name.go`, `isValidLen`). */
const PART_LIMITS = { host: 350, namespace: 80, model: 80, tag: 80 } as const;
type NamePart = keyof typeof PART_LIMITS;

/**
 * Characters each part may hold after its first (which is a letter, digit or `_`), as in Ollama's
 * `isValidPart`: `.` everywhere but the namespace, `:` only in the host (a port).
 */
const PART_PATTERNS: Record<NamePart, RegExp> = {
  host: /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/,
  namespace: /^[A-Za-z0-9_][A-Za-z0-9_-]*$/,
  model: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
  tag: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
};

/**
 * Why `name` is not a model name Ollama would accept (`[scheme://][host/][namespace/]model[:tag]`,
 * split as `ParseNameBare` splits it), or undefined when it is one. Surrounding spaces are ignored, as
 * `normalizeModelName` ignores them.
 */
export function modelNameProblem(name: string): string | undefined {
  let rest = name.trim();
  const parts: Array<[NamePart, string]> = [];
  if (rest.lastIndexOf(':') > rest.lastIndexOf('/')) {
    parts.push(['tag', rest.slice(rest.lastIndexOf(':') + 1)]);
    rest = rest.slice(0, rest.lastIndexOf(':'));
  }
  const segments = rest.split('/');
  parts.push(['model', segments.pop() ?? '']);
  if (segments.length > 0) parts.push(['namespace', segments.pop() ?? '']);
  if (segments.length > 0) {
    const host = segments.join('/');
    const scheme = /^https?:\/\//i.exec(host)?.[0] ?? '';
    parts.push(['host', host.slice(scheme.length)]);
  }
  for (const [part, value] of parts) {
    if (value.length === 0) return `the ${part} is empty`;
    if (value.length > PART_LIMITS[part]) return `the ${part} is longer than ${PART_LIMITS[part]} characters`;
    if (!PART_PATTERNS[part].test(value))
      return `the ${part} holds a character Ollama does not allow in names`;
  }
  return undefined;
}

/** Returns `name` when it is a valid model name; otherwise a 400 that says which part is wrong. */
export function checkModelName(name: string, field = 'model'): string {
  const problem = modelNameProblem(name);
  if (problem) throw new InvalidRequestError(`invalid model name in ${field} "${quote(name)}": ${problem}`);
  return name;
}
