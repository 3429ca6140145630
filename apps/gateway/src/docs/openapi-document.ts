import type { OpenAPIObject } from '@nestjs/swagger';

/** Tag of the Ollama routes at the root (what OLLAMA_HOST points at). */
export const OLLAMA_TAG = 'Ollama API';
/** Tag of the same routes under /ollama (what ollama-js with a path prefix uses). */
export const OLLAMA_PREFIX_TAG = 'Ollama API under /ollama';

const PREFIX = '/ollama';

interface OperationIds {
  operationId?: string;
  tags?: string[];
}

/**
 * A controller serving each route twice (/ollama/x and /x) gets operations named `Controller_method[0]`
 * and `[1]` by Nest's scanner. Give them stable ids and separate tags, so code generators and Swagger
 * UI (which builds element ids from them) keep the two apart.
 */
export function separateOllamaPrefix(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    const prefixed = path === PREFIX || path.startsWith(`${PREFIX}/`);
    for (const operation of Object.values(item as Record<string, OperationIds>)) {
      const id = operation.operationId;
      if (typeof id !== 'string' || !/\[\d+\]$/.test(id)) continue;
      const base = id.replace(/\[\d+\]$/, '');
      operation.operationId = prefixed ? `${base}_ollamaPrefix` : base;
      if (prefixed) operation.tags = (operation.tags ?? []).map(prefixedTag);
    }
  }
  return document;
}

function prefixedTag(tag: string): string {
  return tag === OLLAMA_TAG ? OLLAMA_PREFIX_TAG : `${tag} under ${PREFIX}`;
}
